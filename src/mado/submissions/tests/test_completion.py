"""Deferred completion (submissions.completion): stored at once, follow-up records in batches."""

from __future__ import annotations

from typing import Any

import pytest

from mado.casework.models import Case, CaseEvent
from mado.conftest import make_staff
from mado.core.models import AuditEntry
from mado.submissions import completion, services
from mado.submissions.models import ServiceEvent, Status, StatusChange, Submission
from mado.submissions.receipts import validate_receipt_number
from mado.submissions.tests.test_direct import DATA, _records

pytestmark = pytest.mark.django_db


def _case(sub: Submission) -> tuple[Any, ...]:
    case = Case.unscoped.get(submission=sub)
    events = list(CaseEvent.unscoped.filter(case=case).values_list("kind", "actor_label", "at"))
    return (case.department_id, case.procedure_id, case.status, case.channel,
            case.applicant_name, case.due_date, case.opened_at == sub.submitted_at,
            [(k, a, at == sub.submitted_at) for k, a, at in events])


def _deferred(world: dict[str, Any], proc: Any, **kw: Any) -> Submission:
    return services.create_submitted(
        world["city"], proc, None, {**DATA, "name": "髙橋 花子"}, channel="web", identity=None,
        fee_yen=600, fields_typed=2, deferred=True, **kw,
    )


def test_deferred_submission_is_stored_with_its_number_and_completed_later(
    world: dict[str, Any], proc: Any, settings: Any
) -> None:
    settings.MADO_SUBMISSION_BATCH = 10**6
    settings.MADO_SUBMISSION_IDLE_SECONDS = 10**6
    completion._state.last = None
    first = _deferred(world, proc)  # idle process: completed at once
    assert not completion.is_pending(first)
    second = _deferred(world, proc)  # busy: left for the batch
    stored = Submission.unscoped.get(pk=second.pk)
    assert stored.status == Status.SUBMITTED and completion.is_pending(stored)
    validate_receipt_number(stored.receipt_number)
    assert not StatusChange.unscoped.filter(submission=second).exists()
    assert not Case.unscoped.filter(submission=second).exists()
    assert completion.pending_count() == 1

    assert completion.complete_pending() == 1
    assert completion.complete_pending() == 0  # idempotent: nothing written twice
    assert completion.pending_count() == 0
    assert StatusChange.unscoped.filter(submission=second).count() == 1
    assert ServiceEvent.unscoped.filter(submission=second).count() == 2
    assert Case.unscoped.filter(submission=second).count() == 1


def test_completed_records_equal_the_direct_paths(world: dict[str, Any], proc: Any) -> None:
    direct = services.create_submitted(
        world["city"], proc, None, {**DATA, "name": "髙橋 花子"}, channel="web", identity=None,
        fee_yen=600, fields_typed=2,
    )
    deferred = _deferred(world, proc)  # MADO_SUBMISSION_BATCH = 1 in tests: completed at once
    assert not completion.is_pending(deferred)
    assert _records(deferred) == _records(direct)
    assert _case(deferred) == _case(direct)
    # the audit entry and the events carry the submission's own time, not the completion's
    entry = AuditEntry.objects.get(target_type="submission", target_id=str(deferred.pk))
    assert entry.at == deferred.submitted_at
    assert set(ServiceEvent.unscoped.filter(submission=deferred).values_list("at", flat=True)) == {
        deferred.submitted_at
    }


def test_a_failed_completion_leaves_everything_pending(
    world: dict[str, Any], proc: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MADO_SUBMISSION_BATCH = 10**6
    completion._state.last = 0.0
    settings.MADO_SUBMISSION_IDLE_SECONDS = 10**6
    subs = [_deferred(world, proc) for _ in range(3)]

    def broken(submissions: list[Submission]) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr("mado.casework.services.open_new_cases", broken)
    with pytest.raises(RuntimeError):
        completion.complete_pending()
    assert completion.pending_count() == 3
    assert not StatusChange.unscoped.filter(submission__in=subs).exists()
    assert not AuditEntry.objects.filter(action="submit").exists()
    monkeypatch.undo()
    assert completion.complete_pending(limit=2) == 3  # two batches
    assert Case.unscoped.filter(submission__in=subs).count() == 3


@pytest.mark.parametrize(
    ("pk", "idle", "expected"), [(32, False, True), (33, False, False), (33, True, True)]
)
def test_one_request_in_a_batch_completes(
    settings: Any, monkeypatch: pytest.MonkeyPatch, pk: int, idle: bool, expected: bool
) -> None:
    settings.MADO_SUBMISSION_BATCH = 16
    settings.MADO_SUBMISSION_IDLE_SECONDS = 2.0
    settings.MADO_SUBMISSION_BACKGROUND = False
    calls: list[int] = []
    monkeypatch.setattr(completion, "complete_pending", lambda **kw: calls.append(1) or 0)
    monkeypatch.setattr(completion.time, "monotonic", lambda: 1000.0)
    completion._state.last = 0.0 if idle else 999.5
    completion._after_commit(pk)
    assert bool(calls) is expected


@pytest.mark.parametrize(("pk", "idle", "expected"), [
    (32, False, ["thread"]),  # a full batch on a busy process: the completion thread takes it
    (33, False, []),
    (33, True, ["inline"]),  # an idle process completes before answering, thread or not
])
def test_a_full_batch_goes_to_the_completion_thread_on_postgresql(
    settings: Any, monkeypatch: pytest.MonkeyPatch, pk: int, idle: bool, expected: list[str]
) -> None:
    settings.MADO_SUBMISSION_BATCH = 16
    settings.MADO_SUBMISSION_IDLE_SECONDS = 2.0
    settings.MADO_SUBMISSION_BACKGROUND = True
    calls: list[str] = []
    monkeypatch.setattr(completion, "complete_pending", lambda **kw: calls.append("inline") or 0)
    monkeypatch.setattr(completion.completer, "nudge", lambda: calls.append("thread"))
    monkeypatch.setattr(completion.connection, "vendor", "postgresql")
    monkeypatch.setattr(completion.time, "monotonic", lambda: 1000.0)
    completion._state.last = 0.0 if idle else 999.5
    completion._after_commit(pk)
    assert calls == expected
    settings.MADO_SUBMISSION_BACKGROUND = False  # off: the request itself completes the batch
    calls.clear()
    completion._state.last = 0.0 if idle else 999.5
    completion._after_commit(pk)
    assert calls == (["inline"] if expected else [])


def test_api_submission_with_batching_reaches_the_inbox(
    world: dict[str, Any], proc: Any, settings: Any, client: Any
) -> None:
    settings.MADO_SUBMISSION_BATCH = 10**6
    settings.MADO_SUBMISSION_IDLE_SECONDS = 10**6
    completion._state.last = 999.0
    sub = _deferred(world, proc)
    assert completion.pending_count() == 1
    reviewer = make_staff(world["city"], "shinsa", [(proc.department, "reviewer")])
    client.force_login(reviewer)
    assert client.get("/staff/cases/").status_code == 200
    assert completion.pending_count() == 0
    assert Case.unscoped.filter(submission=sub).exists()


def test_attachments_keep_the_direct_path(world: dict[str, Any], proc: Any) -> None:
    with pytest.raises(ValueError):
        _deferred(world, proc, attachment_refs=["abc"])
