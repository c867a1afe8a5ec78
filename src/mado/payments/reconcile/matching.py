"""Set-based matching (消込) of imported lines to expected payments, in a handful of SQL statements.

Why SQL and not a loop of ``book_payment`` calls: a bank file at the end of a
tax instalment holds tens of thousands of payments, and a per-record ORM loop
(get, compare, save, event, audit) spends its time in round trips — the
benchmark shows more than 20× between the two. The statements below do the
same thing as :func:`mado.payments.services.book_payment` would do per line:

1. the parser has read the file (:mod:`.parsers`);
2. one query reads the payments the file names (by municipality and
   reference, PostgreSQL ``= ANY(array)``) and each line is classified in
   memory — no query per record: invalid_reference / refund / duplicate (in
   the file, or already paid) / unmatched / confirmed / not_payable / short /
   over / matched (rules in :func:`classify` and the docs);
3. the lines are written with their outcome in bulk (PostgreSQL ``COPY``;
   ``bulk_create`` elsewhere);
4. one ``UPDATE payment … FROM line … RETURNING`` books the matched payments
   (status ``paid``, method, paid_at, provider id) — only rows still payable,
   so a payment booked concurrently by a webhook is not booked twice: its
   line is turned into ``duplicate``;
5. one ``INSERT … SELECT`` appends the ``payment_received`` ServiceEvents,
   with exactly the columns ``book_payment`` writes.

The caller (services.import_file) holds the transaction and writes the single
audit entry of the import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils import timezone

from mado.payments.models import PAYABLE_STATUSES, Payment, PaymentStatus
from mado.payments.reconcile.models import Outcome, PaymentFile, PaymentLine
from mado.payments.reconcile.parsers import Record
from mado.submissions.models import ServiceEvent
from mado.submissions.receipts import damm_check_digit

_LINE_COLUMNS = (
    "municipality_id", "file_id", "line_no", "reference", "outcome", "payment_id", "method",
    "paid_at",
    "amount_yen", "fee_yen", "net_yen", "payer_name", "transaction_id", "settlement_id",
    "channel_code", "bank_code", "resolution", "resolution_note",
)
BOOKABLE = tuple(str(s) for s in (*PAYABLE_STATUSES, PaymentStatus.AUTHORIZED))


def reference_is_valid(reference: str) -> bool:
    """13 digits whose last is the Damm check digit of the first twelve."""
    return (len(reference) == 13 and reference.isdigit()
            and damm_check_digit(reference[:12]) == int(reference[12]))


def _fetch(sql_vendor_any: str, orm_qs: Any, values: list[str], fields: tuple[str, ...],
           params: list[Any]) -> list[tuple]:
    """Rows for many keys in one round trip (PostgreSQL ``= ANY``), else in chunks."""
    if not values:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(sql_vendor_any, [*params, values])
            return cur.fetchall()
    rows: list[tuple] = []
    for i in range(0, len(values), 900):
        rows += list(orm_qs(values[i:i + 900]).values_list(*fields))
    return rows


def classify(municipality_id: int, records: list[Record], provider: str) -> list[tuple[str, int | None]]:
    """(outcome, payment id) per record, from one read of the payments the file names.

    The rules, in order (docs/payments-reconciliation.md): invalid check digit;
    a refund line (negative amount); the same reference again in this file;
    no such payment; the provider's transaction already booked on that payment
    (confirmed); already paid (duplicate); not payable; short; over; matched.
    """
    pay = Payment._meta.db_table
    valid = [reference_is_valid(r.reference) for r in records]
    refs = sorted({r.reference for r, ok in zip(records, valid, strict=True) if ok})
    fields = ("reference", "id", "status", "amount_yen", "refunded_yen", "provider_payment_id")
    rows = _fetch(
        f"SELECT {', '.join(fields)} FROM {pay} WHERE municipality_id = %s AND reference = ANY(%s)",  # noqa: S608
        lambda chunk: Payment.unscoped.filter(municipality_id=municipality_id, reference__in=chunk),
        refs, fields, [municipality_id])
    by_ref = {row[0]: row[1:] for row in rows}
    taken: dict[str, int] = {}
    if provider:
        txs = sorted({r.transaction_id for r in records if r.transaction_id})
        taken = dict(_fetch(
            f"SELECT provider_payment_id, id FROM {pay} WHERE provider = %s "  # noqa: S608
            "AND provider_payment_id = ANY(%s)",
            lambda chunk: Payment.unscoped.filter(provider=provider, provider_payment_id__in=chunk),
            txs, ("provider_payment_id", "id"), [provider]))
    seen: set[str] = set()
    out: list[tuple[str, int | None]] = []
    for r, ok in zip(records, valid, strict=True):
        if not ok:
            out.append((Outcome.INVALID_REFERENCE, None))
            continue
        found = by_ref.get(r.reference)
        pid = found[0] if found else None
        if r.amount_yen < 0:
            outcome = (Outcome.UNMATCHED if found is None else Outcome.REFUND
                       if found[3] >= -r.amount_yen else Outcome.REFUND_UNRECORDED)
        elif r.reference in seen:
            outcome = Outcome.DUPLICATE
        elif found is None:
            outcome = Outcome.UNMATCHED
        else:
            _id, status, amount, _refunded, provider_id = found
            if (r.transaction_id and provider_id == r.transaction_id and amount == r.amount_yen
                    and status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)):
                outcome = Outcome.CONFIRMED
            elif status == PaymentStatus.PAID:
                outcome = Outcome.DUPLICATE
            elif status not in BOOKABLE:
                outcome = Outcome.NOT_PAYABLE
            elif r.amount_yen != amount:
                outcome = Outcome.SHORT if r.amount_yen < amount else Outcome.OVER
            elif r.transaction_id and taken.get(r.transaction_id, pid) != pid:
                outcome = Outcome.DUPLICATE  # the provider reported this money for another payment
            else:
                outcome = Outcome.MATCHED
        if r.amount_yen > 0:
            seen.add(r.reference)
        out.append((outcome, pid))
    return out


_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = re.compile(r"[\\\t\n\r]")
_NULL = "\\N"


def _esc(value: str) -> str:
    """COPY text-format escaping (only strings that need it pay for it)."""
    return value.translate(_ESCAPE) if _SPECIAL.search(value) else value


def _copy_rows(mid: int, fid: int, records: list[Record],
               outcomes: list[tuple[str, int | None]]) -> str:
    out = []
    for r, (outcome, pid) in zip(records, outcomes, strict=True):
        out.append(
            f"{mid}\t{fid}\t{r.line_no}\t{_esc(r.reference)}\t{outcome!s}\t"
            f"{_NULL if pid is None else pid}\t{r.method}\t{r.paid_at.isoformat()}\t"
            f"{r.amount_yen}\t{r.fee_yen}\t{r.net_yen}\t{_esc(r.payer_name)}\t"
            f"{_esc(r.transaction_id)}\t{_esc(r.settlement_id)}\t{_esc(r.channel_code)}\t"
            f"{_esc(r.bank_code)}\t\t\n")
    return "".join(out)


def write_lines(payment_file: PaymentFile, records: list[Record],
                outcomes: list[tuple[str, int | None]]) -> int:
    """Insert the file's lines with their outcome (PostgreSQL COPY; bulk_create elsewhere)."""
    mid, fid = payment_file.municipality_id, payment_file.pk
    if connection.vendor == "postgresql":
        table = PaymentLine._meta.db_table
        text = _copy_rows(mid, fid, records, outcomes)
        with connection.cursor() as cur:
            with cur.cursor.copy(f"COPY {table} ({', '.join(_LINE_COLUMNS)}) FROM STDIN") as copy:
                copy.write(text)
    else:
        PaymentLine.unscoped.bulk_create(
            [PaymentLine(**dict(zip(_LINE_COLUMNS, (
                mid, fid, r.line_no, r.reference, str(outcome), pid, r.method, r.paid_at,
                r.amount_yen, r.fee_yen, r.net_yen, r.payer_name, r.transaction_id,
                r.settlement_id, r.channel_code, r.bank_code, "", ""), strict=True)))
             for r, (outcome, pid) in zip(records, outcomes, strict=True)],
            batch_size=2000,
        )
    return len(records)


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"  # this module's constants only


def book(payment_file: PaymentFile, expected: int) -> int:
    """Steps 5-6: book every matched payment still payable; return how many were booked."""
    line = PaymentLine._meta.db_table
    pay = Payment._meta.db_table
    event = ServiceEvent._meta.db_table
    fid = payment_file.pk
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    provider = payment_file.provider
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {pay} SET status = 'paid', method = l.method, paid_at = l.paid_at,
                  provider = CASE WHEN l.transaction_id <> '' AND %s <> '' THEN %s
                                  ELSE {pay}.provider END,
                  provider_payment_id = CASE WHEN l.transaction_id <> '' AND %s <> ''
                                             THEN l.transaction_id
                                             ELSE {pay}.provider_payment_id END,
                  updated_at = %s
                FROM {line} l
                WHERE l.file_id = %s AND l.outcome = 'matched' AND {pay}.id = l.payment_id
                  AND {pay}.status IN {_in(BOOKABLE)}
                RETURNING {pay}.id""",  # noqa: S608  (table names and module constants only)
            [provider, provider, provider, now, fid],
        )
        booked = {row[0] for row in cur.fetchall()}
        lost: list[int] = []
        if len(booked) != expected:
            cur.execute(f"SELECT id, payment_id FROM {line} WHERE file_id = %s "  # noqa: S608
                        "AND outcome = 'matched'", [fid])
            lost = [line_id for line_id, payment_id in cur.fetchall() if payment_id not in booked]
        if lost:  # booked by someone else between classify() and now: not booked twice
            PaymentLine.unscoped.filter(pk__in=lost).update(outcome=Outcome.DUPLICATE)
        detail = ("jsonb_build_object('amount_yen', p.amount_yen)"
                  if connection.vendor == "postgresql" else "json_object('amount_yen', p.amount_yen)")
        cur.execute(
            f"""INSERT INTO {event} (municipality_id, at, kind, channel, procedure_code,
                  submission_id, fields_prefilled, fields_typed, duration_ms, payment_method, detail)
                SELECT p.municipality_id, l.paid_at, 'payment_received', p.channel,
                       p.procedure_code, p.submission_id, 0, 0, NULL, l.method, {detail}
                FROM {line} l JOIN {pay} p ON p.id = l.payment_id
                WHERE l.file_id = %s AND l.outcome = 'matched'
                ORDER BY l.line_no""",  # noqa: S608  (table names and module constants only)
            [fid],
        )
    return len(booked)
