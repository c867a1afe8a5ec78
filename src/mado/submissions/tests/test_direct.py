"""create_submitted (complete applications, no draft) writes what create_draft + submit writes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from mado.core.models import AuditEntry
from mado.submissions import services
from mado.submissions.models import ServiceEvent, Status, StatusChange, Submission
from mado.submissions.receipts import validate_receipt_number
from mado.submissions.tests.conftest import CARD

pytestmark = pytest.mark.django_db

DATA = {"copies": 2, "purpose": "勤務先へ提出"}


def _records(sub: Submission) -> dict[str, Any]:
    """What the back office and the KPIs see of a submission, without ids and times."""
    sub.refresh_from_db()
    changes = list(
        StatusChange.unscoped.filter(submission=sub).values_list(
            "from_status", "to_status", "actor", "note"
        )
    )
    events = sorted(
        ServiceEvent.unscoped.filter(submission=sub).values_list(
            "kind", "channel", "procedure_code", "fields_prefilled", "fields_typed", "detail"
        ),
        key=lambda e: e[0],
    )
    audits = list(
        AuditEntry.objects.filter(target_type="submission", target_id=str(sub.pk)).values_list(
            "action", "actor", "detail__procedure", "detail__channel", "detail__from"
        )
    )
    return {
        "status": sub.status,
        "fields": (sub.channel, sub.data, sub.identity_level, sub.identity_subject, sub.fee_yen),
        "changes": changes,
        "events": events,
        "audits": audits,
    }


def test_same_records_as_the_draft_path(world: dict[str, Any], proc: Any) -> None:
    city = world["city"]
    draft, _token = services.create_draft(city, proc, None, channel="web", identity=CARD)
    via_draft = services.submit(
        draft, DATA, identity=CARD, fee_yen=600, fields_prefilled=3, fields_typed=2
    )
    direct = services.create_submitted(
        city, proc, None, DATA, channel="web", identity=CARD, fee_yen=600,
        fields_prefilled=3, fields_typed=2,
    )
    assert _records(direct) == _records(via_draft)
    assert direct.status == Status.SUBMITTED and direct.submitted_at is not None
    validate_receipt_number(direct.receipt_number)
    assert direct.receipt_number != via_draft.receipt_number


def test_receipt_numbers_follow_on_and_roll_back_with_the_transaction(
    world: dict[str, Any], proc: Any
) -> None:
    city = world["city"]
    first = services.create_submitted(city, proc, None, DATA, channel="counter", identity=None)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_submitted(city, proc, None, DATA, channel="counter", identity=None)
        raise RuntimeError("the counter session is cancelled")
    second = services.create_submitted(city, proc, None, DATA, channel="counter", identity=None)
    seq = [int(s.receipt_number.split("-")[1]) for s in (first, second)]
    assert seq[1] == seq[0] + 1  # the cancelled one's number was not used up
    assert Submission.unscoped.filter(municipality=city).count() == 2


def test_checks_tenant_channel_and_identity(world: dict[str, Any], proc: Any, town_proc: Any) -> None:
    city, town = world["city"], world["town"]
    with pytest.raises(ValueError, match="他の団体"):
        services.create_submitted(town, proc, None, DATA, channel="web", identity=None)
    with pytest.raises(ValueError, match="受付方法"):
        services.create_submitted(city, proc, None, DATA, channel="fax", identity=None)
    with pytest.raises(ValueError, match="代理人の氏名"):
        services.create_submitted(
            city, proc, None, DATA, channel="web", identity=None, proxy={"relationship": "子"}
        )
    assert not Submission.unscoped.exists()


def test_a_complete_submission_takes_few_statements(world: dict[str, Any], proc: Any) -> None:
    """The throughput goal rests on this: no draft insert, re-read or update, no savepoints."""
    city = world["city"]
    services.create_submitted(city, proc, None, DATA, channel="web", identity=None)  # counter row
    with CaptureQueriesContext(connection) as queries:
        services.create_submitted(city, proc, None, DATA, channel="web", identity=None)
    sql = [q["sql"] for q in queries.captured_queries]
    # The test runs inside a transaction, so the function's own atomic() is the one
    # savepoint (in production it is BEGIN … COMMIT); nothing inside adds another.
    savepoints = [s for s in sql if s.upper().startswith("SAVEPOINT")]
    assert len(savepoints) == 1, sql
    work = [s for s in sql if "SAVEPOINT" not in s.upper()]
    # 7 of its own + the case: approval-route lookup and two INSERTs (casework's receiver).
    assert len(work) <= 10, work
