"""Receipt numbers (受付番号): short, read out over the phone, typo-proof, unique per city.

Format ``R08-0001234-7``:

* ``R08`` — the fiscal year (年度, April to March) in 和暦: era letter and a
  two-digit era year (zero-padded so that numbers of one era sort as strings);
* ``0001234`` — a per-municipality, per-fiscal-year sequence;
* ``7`` — a check digit (Damm algorithm) over the era's ordinal, the year and
  the sequence.

Why Damm and not Luhn or mod 11: Damm catches *every* single-digit error and
*every* transposition of adjacent digits with one decimal digit (Luhn misses
09↔90; mod 11 needs an extra symbol "X"), which are exactly the mistakes made
when a resident reads a number to staff on the phone.

The era is the one in force on the day the number is issued, so FY2019
numbers went from ``H31-…`` (April 2019) to ``R01-…`` (from 1 May). The
sequence is keyed by the Gregorian fiscal year, so it simply continues across
an era change and numbers stay unique. If an era begins between January and
March, the fiscal year keeps its old era (no "year 0").

Allocation increments a counter row with a single ``UPDATE … SET last = last + 1``
inside the caller's transaction: PostgreSQL locks the row until commit, and
SQLite takes its write lock at the same statement, so two concurrent
submissions never receive the same number (a gap appears only when the
surrounding transaction rolls back, which is acceptable for receipt numbers).

The JSON API on PostgreSQL takes the number and stores the submission in
one statement (:mod:`mado.submissions.completion`): :func:`sql_receipt_number`
formats the number in SQL with ``mado_damm()`` (:func:`damm_sql_function`,
created by a migration from the same table). One round trip and one
transaction instead of two of each; the counter row is then held for that
statement and its WAL flush, about 0.5 ms a submission.

``allocate_receipt_number(..., own_transaction=True)`` is that path's
fallback (the first number of a fiscal year, and SQLite): called outside any
transaction, it takes the number in a transaction of its own that commits at
once without waiting for the WAL flush, so the counter row is locked for one
statement only. Durability is kept because the submission that carries the
number commits (durably) after it, and a PostgreSQL commit flushes all
earlier WAL; a crash in between loses only an unused number.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mado.core import prepared
from mado.core.models import Municipality
from mado.core.text import normalize_width
from mado.core.text.wareki import ERAS, Era
from mado.submissions.models import ReceiptCounter

SEQUENCE_DIGITS = 7
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1

# Damm's totally anti-symmetric quasigroup of order 10.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

_ERA_BY_LETTER: dict[str, tuple[int, Era]] = {e.letter: (i + 1, e) for i, e in enumerate(ERAS)}
# Every dash a phone, an IME or a word processor may produce, and the katakana long mark.
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−ー－ｰ﹣"})
_PATTERN = re.compile(r"^([A-Z])\s*(\d{1,2})\s*-\s*(\d{1,7})\s*-\s*(\d)$")


class ReceiptNumberError(ValueError):
    """A receipt number that is malformed or whose check digit is wrong (message: 日本語 / English)."""


def damm_check_digit(digits: str) -> int:
    """The Damm check digit of a string of decimal digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def damm_sql_function() -> str:
    """``CREATE FUNCTION mado_damm(text)``: :func:`damm_check_digit` in PostgreSQL.

    The same table, flattened to an array (row ``interim``, column ``digit``
    at index ``interim * 10 + digit + 1``). Immutable, so the planner may fold
    it. Created by migration 0003 and used by :func:`sql_receipt_number`.
    """
    table = ",".join(str(v) for row in _DAMM for v in row)
    return (
        "CREATE OR REPLACE FUNCTION mado_damm(digits text) RETURNS integer "
        "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$\n"
        "DECLARE\n"
        f"  t CONSTANT integer[] := ARRAY[{table}];\n"
        "  interim integer := 0;\n"
        "BEGIN\n"
        "  FOR i IN 1..length(digits) LOOP\n"
        "    interim := t[interim * 10 + (ascii(substr(digits, i, 1)) - 48) + 1];\n"
        "  END LOOP;\n"
        "  RETURN interim;\n"
        "END $$"
    )


def sql_receipt_number(day: dt.date, sequence_sql: str) -> tuple[str, list[Any]]:
    """SQL text and parameters that format the receipt number of ``day`` for ``sequence_sql``.

    ``sequence_sql`` is an SQL expression (a column of the counter UPDATE's
    result); the caller guarantees 1 <= value <= MAX_SEQUENCE. The result
    equals :func:`format_receipt_number` (a property test compares them).
    """
    ordinal, era, year = fiscal_era(day)
    padded = f"lpad(({sequence_sql})::text, {SEQUENCE_DIGITS}, '0')"
    sql = f"(%s || {padded} || '-' || mado_damm(%s || {padded}))"
    return sql, [f"{era.letter}{year:02d}-", f"{ordinal}{year:02d}"]


def fiscal_year_of(day: dt.date) -> int:
    """The Gregorian year in which the fiscal year (4月1日–3月31日) containing ``day`` starts."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_era(day: dt.date) -> tuple[int, Era, int]:
    """(era ordinal, era, era year) naming the fiscal year of ``day`` as issued on ``day``."""
    fy = fiscal_year_of(day)
    for index in range(len(ERAS) - 1, -1, -1):
        era = ERAS[index]
        if day >= era.start:
            if era.start.year > fy:  # era began in Jan–Mar: the fiscal year keeps the old era
                continue
            return index + 1, era, fy - era.start.year + 1
    raise ReceiptNumberError(
        "明治より前の日付では受付番号を作れません / no receipt numbers before the Meiji era"
    )


def format_receipt_number(day: dt.date, sequence: int) -> str:
    """The receipt number for the ``sequence``-th submission of the fiscal year of ``day``."""
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ReceiptNumberError(
            f"受付番号の連番が範囲外です({sequence}) / receipt sequence out of range ({sequence})"
        )
    ordinal, era, year = fiscal_era(day)
    body = f"{year:02d}-{sequence:0{SEQUENCE_DIGITS}d}"
    check = damm_check_digit(f"{ordinal}{year:02d}{sequence:0{SEQUENCE_DIGITS}d}")
    return f"{era.letter}{body}-{check}"


def validate_receipt_number(s: str) -> str:
    """Check a typed receipt number and return it in canonical form (``R08-0001234-7``).

    Accepts full-width letters and digits, any kind of dash, spaces, a lower-case
    era letter and unpadded year or sequence (``ｒ８－１２３４－７``).
    """
    text = normalize_width(str(s or "")).translate(_DASHES).upper().strip()
    m = _PATTERN.match(text)
    if m is None:
        raise ReceiptNumberError(
            "受付番号の形式が正しくありません(例: R08-0001234-7) / "
            "a receipt number looks like R08-0001234-7"
        )
    letter, year, seq, check = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
    if letter not in _ERA_BY_LETTER:
        raise ReceiptNumberError(
            f"受付番号の元号「{letter}」が正しくありません / unknown era letter {letter!r}"
        )
    if year < 1 or seq < 1:
        raise ReceiptNumberError(
            "受付番号の年度または番号が正しくありません / year or sequence is zero"
        )
    ordinal = _ERA_BY_LETTER[letter][0]
    digits = f"{ordinal}{year:02d}{seq:0{SEQUENCE_DIGITS}d}"
    if damm_check_digit(digits) != check:
        raise ReceiptNumberError(
            "受付番号が正しくありません。もう一度お確かめください / "
            "the receipt number is not valid (check digit mismatch); please check it again"
        )
    return f"{letter}{year:02d}-{seq:0{SEQUENCE_DIGITS}d}-{check}"


def next_sequence(
    municipality: Municipality, fiscal_year: int, *, own_transaction: bool = False
) -> int:
    """Atomically take the next sequence value of ``municipality`` in ``fiscal_year``.

    One ``UPDATE … RETURNING`` statement (PostgreSQL, SQLite ≥ 3.35): the row
    lock it takes is held until the surrounding transaction commits, so the
    numbers of concurrent submissions never repeat and never skip on rollback.
    The first number of a fiscal year creates the row (a concurrent creator
    wins the race and we increment its row instead).
    """
    table = ReceiptCounter._meta.db_table
    sql = (
        f'UPDATE "{table}" SET "last_value" = "last_value" + 1 '  # noqa: S608 - table name from the model
        'WHERE "municipality_id" = %s AND "fiscal_year" = %s RETURNING "last_value"'
    )
    if own_transaction and connection.vendor == "postgresql" and not connection.in_atomic_block:
        # One autocommitted statement that also sets synchronous_commit for its own
        # transaction only (set_config(..., true)): the row is locked for the
        # statement alone and its COMMIT does not wait for the WAL flush.
        early = (
            f'UPDATE "{table}" SET "last_value" = "last_value" + 1 '  # noqa: S608 - table name from the model
            "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS _async "
            'WHERE "municipality_id" = %s AND "fiscal_year" = %s RETURNING "last_value"'
        )
        with prepared.cursor() as cur:
            cur.execute(early, [municipality.pk, fiscal_year])
            row = cur.fetchone()
        if row is not None:
            return int(row[0])
    with transaction.atomic(savepoint=False), connection.cursor() as cur:
        cur.execute(sql, [municipality.pk, fiscal_year])
        row = cur.fetchone()
        if row is not None:
            return int(row[0])
        try:
            with transaction.atomic():  # savepoint: a concurrent first number may win
                ReceiptCounter.unscoped.create(
                    municipality=municipality, fiscal_year=fiscal_year, last_value=1
                )
                return 1
        except IntegrityError:
            cur.execute(sql, [municipality.pk, fiscal_year])
            return int(cur.fetchone()[0])


def allocate_receipt_number(
    municipality: Municipality, when: dt.datetime | None = None, *, own_transaction: bool = False
) -> str:
    """A new receipt number of ``municipality``, for a submission made at ``when`` (default now).

    Call inside the transaction that saves the submission so that the number
    and the submission commit together.
    """
    day = timezone.localdate(when or timezone.now())
    fiscal_era(day)  # refuse impossible dates before touching the counter
    sequence = next_sequence(municipality, fiscal_year_of(day), own_transaction=own_transaction)
    return format_receipt_number(day, sequence)
