"""The PostgreSQL-only parts of the JSON API's submission path (skipped on SQLite).

- the one statement that takes the receipt number and stores the submission
  and its outbox row (``completion._insert_numbered``), with the number
  formatted in SQL by ``mado_damm`` — equal to the Python formatter;
- its fallbacks: the first submission of a fiscal year (no counter row yet)
  and a full sequence;
- the completion thread that writes a full batch's follow-up records.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.db import connection, connections
from hypothesis import given
from hypothesis import strategies as st

from mado.casework.models import Case
from mado.submissions import completion, receipts, services
from mado.submissions.models import ReceiptCounter, StatusChange, Submission
from mado.submissions.tests.test_direct import DATA

JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (set DATABASE_URL)")


def _api(world: dict[str, Any], proc: Any) -> Submission:
    """What POST /api/v1/forms/{code}/submissions does: outside any transaction, deferred."""
    assert not connection.in_atomic_block
    return services.create_submitted(
        world["city"], proc, None, {**DATA, "name": "髙橋 花子"}, channel="web", identity=None,
        fee_yen=600, fields_typed=2, deferred=True,
    )


def _sql_number(day: dt.date, sequence: int) -> str:
    sql, params = receipts.sql_receipt_number(day, "%s::bigint")
    with connection.cursor() as cur:
        cur.execute(f"SELECT {sql}", [params[0], sequence, params[1], sequence])
        return str(cur.fetchone()[0])


@pytest.mark.django_db
@given(
    day=st.dates(min_value=dt.date(1989, 1, 8), max_value=dt.date(2087, 12, 31)),
    sequence=st.integers(min_value=1, max_value=receipts.MAX_SEQUENCE),
)
def test_sql_formatter_equals_the_python_one(day: dt.date, sequence: int) -> None:
    assert _sql_number(day, sequence) == receipts.format_receipt_number(day, sequence)


@pytest.mark.django_db
def test_mado_damm_catches_what_damm_catches() -> None:
    with connection.cursor() as cur:
        for digits in ["0", "572", "8012345678", "1260001234"]:
            cur.execute("SELECT mado_damm(%s)", [digits])
            assert cur.fetchone()[0] == receipts.damm_check_digit(digits)


@pytest.mark.django_db(transaction=True)
def test_one_statement_numbers_and_stores(world: dict[str, Any], proc: Any) -> None:
    first = _api(world, proc)  # no counter row for this fiscal year yet: the two-step path
    second = _api(world, proc)  # the row exists: one statement
    third = _api(world, proc)
    numbers = [s.receipt_number for s in (first, second, third)]
    assert [int(n.split("-")[1]) for n in numbers] == [1, 2, 3]
    for sub in (first, second, third):
        stored = Submission.unscoped.get(pk=sub.pk)
        assert stored.receipt_number == sub.receipt_number
        assert receipts.validate_receipt_number(stored.receipt_number) == stored.receipt_number
        assert stored.receipt_number == receipts.format_receipt_number(
            sub.submitted_at.astimezone(JST).date(), int(sub.receipt_number.split("-")[1])
        )
    # completed (MADO_SUBMISSION_BATCH = 1 in tests) with the number it was given
    assert Case.unscoped.filter(submission__in=[first, second, third]).count() == 3
    assert completion.pending_count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_full_sequence_is_refused_and_nothing_is_written(
    world: dict[str, Any], proc: Any
) -> None:
    _api(world, proc)
    ReceiptCounter.unscoped.filter(municipality=world["city"]).update(
        last_value=receipts.MAX_SEQUENCE
    )
    before = Submission.unscoped.count()
    with pytest.raises(receipts.ReceiptNumberError):
        _api(world, proc)
    assert Submission.unscoped.count() == before


@pytest.mark.django_db(transaction=True)
def test_other_integrity_errors_are_not_mistaken_for_a_missing_counter(
    world: dict[str, Any], proc: Any
) -> None:
    from django.db import IntegrityError

    _api(world, proc)
    # A receipt number already used: the unique index refuses the row, and the
    # error reaches the caller instead of silently taking the two-step path.
    taken = Submission.unscoped.get()
    counter = ReceiptCounter.unscoped.get(municipality=world["city"])
    counter.last_value -= 1
    counter.save()
    with pytest.raises(IntegrityError):
        _api(world, proc)
    assert Submission.unscoped.get() == taken


@pytest.mark.django_db(transaction=True)
def test_the_completion_thread_writes_a_full_batch(
    world: dict[str, Any], proc: Any, settings: Any
) -> None:
    settings.MADO_SUBMISSION_BATCH = 2
    settings.MADO_SUBMISSION_IDLE_SECONDS = 10**6
    settings.MADO_SUBMISSION_BACKGROUND = True
    completion._state.last = None
    try:
        _api(world, proc)  # idle process: completed before answering
        assert completion.pending_count() == 0
        subs = [_api(world, proc) for _ in range(4)]  # busy: every 2nd id nudges the thread
        assert completion.completer.wait_idle(30)
        even = [s for s in subs if s.pk % 2 == 0]
        assert even, "some ids are even"
        # Each nudge completes everything pending up to then; at most the last
        # odd id may still wait for the next nudge (or the task).
        left = completion.pending_count()
        assert left <= 1
        if left:
            assert subs[-1].pk % 2 == 1
        completion.complete_pending()
        assert StatusChange.unscoped.filter(submission__in=subs).count() == 4
        assert Case.unscoped.filter(submission__in=subs).count() == 4
    finally:
        completion.completer.stop()
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_the_outbox_row_carries_the_request_facts(world: dict[str, Any], proc: Any,
                                                 settings: Any) -> None:
    from mado.submissions.models import PendingCompletion

    settings.MADO_SUBMISSION_BATCH = 10**6
    settings.MADO_SUBMISSION_IDLE_SECONDS = 10**6
    completion._state.last = time.monotonic()  # busy: left pending
    sub = _api(world, proc)
    meta = PendingCompletion.objects.get(submission_id=sub.pk).meta
    assert meta["fields_typed"] == 2 and meta["actor"] == "resident"
    assert json.loads(json.dumps(meta)) == meta
    completion.complete_pending()
