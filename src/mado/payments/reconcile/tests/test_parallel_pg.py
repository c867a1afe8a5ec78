"""The two-connection import (``reconcile.parallel``) on PostgreSQL (skipped on SQLite).

- it gives exactly what the one-transaction import gives: lines, outcomes,
  bookings, events, counts (bank and settlement files; transaction ids that
  need quoting in an array literal);
- a payment booked by someone else meanwhile: its line becomes ``duplicate``
  and is booked once;
- a failure after the booking leaves nothing, lines included;
- lines lost between the two commits are written by the
  ``finish_payment_files`` task, and not while their writer still holds the lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, connections

from mado.core import audit
from mado.payments.models import Payment, PaymentStatus
from mado.payments.reconcile import parallel, services
from mado.payments.reconcile.models import PaymentFile, PaymentLine
from mado.payments.reconcile.tests.factories import bank_csv, settlement_csv
from mado.payments.services import new_reference
from mado.submissions.models import ServiceEvent
from mado.tasks import tasks

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only(monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (set DATABASE_URL)")
    monkeypatch.setattr(parallel, "MIN_RECORDS", 1)


STATES = ["pending", "pending", "declined", "authorized", "paid", "cancelled", "pending",
          "refunded", "pending", "failed"]


def _payments(city: Any, refs: list[str]) -> None:
    paid_at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    for i, ref in enumerate(refs):
        state = STATES[i % len(STATES)]
        Payment.unscoped.create(
            municipality=city, reference=ref, description="住民票の写し", amount_yen=300 + 10 * i,
            channel="slip" if i % 2 else "web", procedure_code=f"proc-{i % 3}", status=state,
            paid_at=paid_at if state in ("paid", "refunded") else None,
            refunded_yen=300 + 10 * i if state == "refunded" else 0)


def _bank_lines(refs: list[str]) -> list[tuple[str, int]]:
    lines = [(ref, 300 + 10 * i) for i, ref in enumerate(refs)]
    lines[1] = (refs[1], 100)                                # short
    lines[2] = (refs[2], 9999)                               # over
    lines.append(lines[0])                                   # twice in the file
    lines.append((new_reference(), 500))                     # unmatched
    lines.append((refs[3][:12] + str((int(refs[3][12]) + 1) % 10), 330))  # wrong check digit
    return lines


def _result(city: Any, f: PaymentFile, refs: list[str]) -> dict[str, Any]:
    f.refresh_from_db()
    position = {ref: i for i, ref in enumerate(refs)}

    def tx(value: str) -> str:
        return value[1:]  # without the city's letter (test_two_connections_…)

    return {
        "counts": f.counts,
        "pending": (f.lines_pending, f.outcome_codes),
        "lines": [(*row[:-1], tx(row[-1])) for row in PaymentLine.unscoped.filter(file=f)
                  .order_by("line_no").values_list(
                      "line_no", "reference", "outcome", "payment__reference", "method",
                      "paid_at", "amount_yen", "fee_yen", "net_yen", "payer_name",
                      "transaction_id")],
        "payments": sorted((position[p.reference], p.status, p.method, p.paid_at, p.provider,
                            tx(p.provider_payment_id))
                           for p in Payment.unscoped.filter(municipality=city)),
        "events": sorted((e.at, e.channel, e.procedure_code, e.payment_method, e.detail["amount_yen"])
                         for e in ServiceEvent.unscoped.filter(municipality=city,
                                                               kind="payment_received")),
    }


@pytest.mark.parametrize("kind", ["bank", "settlement"])
def test_two_connections_give_what_one_transaction_gives(
    world: dict[str, Any], settings: Any, kind: str,
) -> None:
    refs = [new_reference() for _ in range(30)]
    lines = _bank_lines(refs)
    results = []
    for city, two in ((world["city"], True), (world["town"], False)):
        if kind == "bank":
            data = bank_csv(lines)
        else:  # provider transaction ids are unique per provider: one letter per city
            data = settlement_csv([(f"{'AB'[two]}tx{{{i}}}\\b\"{i}", ref, "card", amount)
                                   for i, (ref, amount) in enumerate(lines)])
        settings.MADO_RECONCILE_PARALLEL = two
        _payments(city, refs)
        assert parallel.usable(len(refs)) is two
        f = services.import_file(city, data, provider="sandbox")
        assert ("lines_write" in f.stage_seconds) is two  # which path ran
        results.append(_result(city, f, refs))
    assert results[0] == results[1]
    assert results[0]["pending"] == (False, "")
    assert results[0]["counts"]["matched"] > 0 and results[0]["counts"]["unmatched"] == 1


def test_a_payment_booked_meanwhile_is_a_duplicate_booked_once(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    city = world["city"]
    refs = [new_reference() for _ in range(12)]
    _payments(city, refs)
    original = parallel.book

    def webhook_first(payment_file: PaymentFile, records: list, outcomes: list) -> set[int]:
        # A webhook books refs[0] between the read and the UPDATE.
        Payment.unscoped.filter(reference=refs[0]).update(
            status=PaymentStatus.PAID, method="card", paid_at=dt.datetime.now(dt.UTC))
        return original(payment_file, records, outcomes)

    monkeypatch.setattr(parallel, "book", webhook_first)
    f = services.import_file(city, bank_csv([(refs[0], 300), (refs[6], 360)]))
    f.refresh_from_db()
    assert f.counts == {"duplicate": 1, "matched": 1}
    assert not f.lines_pending
    assert list(PaymentLine.unscoped.filter(file=f).order_by("line_no")
                .values_list("outcome", flat=True)) == ["duplicate", "matched"]
    assert Payment.unscoped.get(reference=refs[0]).method == "card"  # not booked again
    assert ServiceEvent.unscoped.filter(municipality=city, kind="payment_received").count() == 1


def test_a_failure_after_the_booking_leaves_nothing(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    city = world["city"]
    refs = [new_reference() for _ in range(10)]
    _payments(city, refs)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.import_file(city, bank_csv(_bank_lines(refs)))
    assert not PaymentFile.unscoped.filter(municipality=city).exists()
    assert not PaymentLine.unscoped.filter(municipality=city).exists()  # the other connection's
    assert not ServiceEvent.unscoped.filter(municipality=city, kind="payment_received").exists()
    assert Payment.unscoped.get(reference=refs[0]).status == "pending"


def test_a_failing_line_writer_rolls_the_booking_back(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    city = world["city"]
    refs = [new_reference() for _ in range(10)]
    _payments(city, refs)

    def broken(*args: Any) -> str:
        raise ValueError("disk full")

    monkeypatch.setattr(parallel.matching, "copy_rows", broken)
    with pytest.raises(parallel.SideWriteError):
        services.import_file(city, bank_csv(_bank_lines(refs)))
    assert not PaymentFile.unscoped.filter(municipality=city).exists()
    assert Payment.unscoped.get(reference=refs[0]).status == "pending"


def test_lines_lost_between_the_commits_are_written_by_the_task(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    city, town = world["city"], world["town"]
    refs = [new_reference() for _ in range(20)]
    data = bank_csv(_bank_lines(refs))
    _payments(town, refs)  # the same file imported normally, for comparison
    monkeypatch.setattr(parallel, "MIN_RECORDS", 10**9)
    expected = _result(town, services.import_file(town, data), refs)
    monkeypatch.setattr(parallel, "MIN_RECORDS", 1)

    _payments(city, refs)
    # The process dies after the main commit: the second connection never commits.
    monkeypatch.setattr(parallel.SideWriter, "commit",
                        lambda self: self.abandon() or False)
    f = services.import_file(city, data)
    f.refresh_from_db()
    assert f.lines_pending and len(f.outcome_codes) == f.record_count
    assert not PaymentLine.unscoped.filter(file=f).exists()
    interrupted = _result(city, f, refs)
    assert interrupted["payments"] == expected["payments"]  # the booking is committed
    assert interrupted["events"] == expected["events"]      # and its events with it

    assert tasks.finish_payment_files.call() == 1
    assert _result(city, f, refs) == expected
    assert tasks.finish_payment_files.call() == 0  # nothing left to do


def test_no_rebuild_while_the_writer_holds_the_file(world: dict[str, Any]) -> None:
    city = world["city"]
    f = PaymentFile.unscoped.create(municipality=city, kind="bank", filename="x.csv",
                                    sha256="0" * 64, size_bytes=1, encoding="utf-8",
                                    content=bank_csv([]), lines_pending=True, outcome_codes="")
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                        [parallel.LOCK_CLASS, f.pk & 0x7FFFFFFF])
        assert parallel.finish_file(f.pk) is False
        other.rollback()
    finally:
        other.close()
    assert parallel.finish_file(f.pk) is True
    f.refresh_from_db()
    assert not f.lines_pending
