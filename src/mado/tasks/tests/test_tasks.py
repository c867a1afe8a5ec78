"""Background tasks: a killed or failing task is retried and its effect happens exactly once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mado.core import audit
from mado.core.models import AuditEntry
from mado.submissions import services as submissions
from mado.submissions.models import Status, Submission
from mado.submissions.tests.conftest import CARD
from mado.tasks import services, tasks

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))


def expired_draft(world: dict[str, Any], proc: Any) -> Submission:
    sub, _ = submissions.create_draft(world["city"], proc, None, channel="web", identity=CARD)
    Submission.unscoped.filter(pk=sub.pk).update(
        draft_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    return sub


def test_task_of_a_killed_worker_is_requeued_and_its_effect_happens_once(world, proc) -> None:
    sub = expired_draft(world, proc)
    keep, _ = submissions.create_draft(world["city"], proc, None, channel="web", identity=CARD)
    tasks.purge_expired_drafts.enqueue()
    row = DBTaskResult.objects.get()
    row.claim("worker-that-was-killed")  # claimed, then SIGKILL: nothing else happens

    assert services.run_pending() == 0  # still "running": nobody else takes it
    assert services.recover() == (0, 0)  # within its lease: the worker may be alive
    later = timezone.now() + dt.timedelta(seconds=901)
    assert services.recover(later) == (1, 0)

    assert services.run_pending("second-worker") == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["worker-that-was-killed", "second-worker"]
    assert row.return_value == 1
    assert not Submission.unscoped.filter(pk=sub.pk).exists()
    assert Submission.unscoped.filter(pk=keep.pk, status=Status.DRAFT).exists()

    # Running it again (a slow worker finishing late, the next day's run) changes nothing.
    tasks.purge_expired_drafts.enqueue()
    assert services.run_pending() == 1
    assert DBTaskResult.objects.order_by("-enqueued_at").first().return_value == 0
    assert Submission.unscoped.filter(pk=keep.pk).exists()


def test_failed_task_is_retried_with_a_delay_until_it_succeeds(world, proc, monkeypatch) -> None:
    sub = expired_draft(world, proc)
    real = submissions.purge_expired_drafts
    calls = {"n": 0}

    def flaky() -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real()

    monkeypatch.setattr(submissions, "purge_expired_drafts", flaky)
    tasks.purge_expired_drafts.enqueue()
    assert services.run_pending("w1") == 1
    row = DBTaskResult.objects.get()
    assert row.status == TaskResultStatus.FAILED
    assert Submission.unscoped.filter(pk=sub.pk).exists()

    now = timezone.now()
    assert services.recover(now) == (0, 1)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.READY and row.run_after > now  # backs off
    assert services.run_pending("w2") == 0
    DBTaskResult.objects.filter(pk=row.pk).update(run_after=now - dt.timedelta(seconds=1))
    assert services.run_pending("w2") == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL and row.return_value == 1
    assert calls["n"] == 2
    assert not Submission.unscoped.filter(pk=sub.pk).exists()


def test_a_task_failing_every_time_stops_after_max_attempts(settings, monkeypatch) -> None:
    settings.MADO_TASK_MAX_ATTEMPTS = 3

    def broken() -> int:
        raise RuntimeError("always")

    monkeypatch.setattr(audit, "seal", broken)
    tasks.seal_audit.enqueue()
    attempts = 0
    for _ in range(6):
        attempts += services.run_pending(f"w{attempts}")
        services.recover()
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
            run_after=timezone.now() - dt.timedelta(seconds=1)
        )
    row = DBTaskResult.objects.get()
    assert attempts == 3 and len(row.worker_ids) == 3
    assert row.status == TaskResultStatus.FAILED
    assert "RuntimeError" in row.exception_class_path


def test_seal_interrupted_mid_transaction_loses_nothing_and_seals_once(world, monkeypatch) -> None:
    for i in range(40):
        audit.record("test.event", municipality=world["city"], target_id=i)
    assert AuditEntry.objects.filter(seq__isnull=True).count() >= 40  # on_commit never ran
    real_hash = audit._hash
    calls = {"n": 0}

    def dying_hash(entry: AuditEntry) -> str:
        calls["n"] += 1
        if calls["n"] == 25:
            raise SystemExit("worker killed")  # a kill inside the sealing transaction
        return real_hash(entry)

    monkeypatch.setattr(audit, "_hash", dying_hash)
    tasks.seal_audit.enqueue()
    assert services.run_pending("w1") == 1
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED
    assert AuditEntry.objects.filter(seq__isnull=False).count() == 0  # rolled back whole

    monkeypatch.setattr(audit, "_hash", real_hash)
    services.recover()
    DBTaskResult.objects.update(run_after=timezone.now() - dt.timedelta(seconds=1))
    assert services.run_pending("w2") == 1
    total = AuditEntry.objects.count()
    assert DBTaskResult.objects.get().return_value == total
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))  # each entry sealed exactly once
    assert audit.verify().ok
    assert tasks.seal_audit.call() == 0


def test_scheduler_enqueues_seal_always_and_purge_once_a_day() -> None:
    night = dt.datetime(2026, 11, 21, 2, 0, tzinfo=JST)
    assert services.schedule_due(night) == ["seal_audit", "complete_submissions", "finish_payment_files"]
    assert services.schedule_due(night) == []  # both still waiting
    morning = dt.datetime(2026, 11, 21, 4, 0, tzinfo=JST)
    assert services.schedule_due(morning) == ["purge_expired_drafts", "prune_task_results"]
    services.run_pending()
    assert services.pending_count() == 0
    assert services.schedule_due(morning + dt.timedelta(hours=5)) == [
        "seal_audit", "complete_submissions", "finish_payment_files"
    ]
    services.run_pending()
    # enqueued_at is the real clock, so "tomorrow" is measured from now.
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    tomorrow = tomorrow.replace(hour=services.DAILY_HOUR, minute=30)
    assert services.schedule_due(tomorrow) == [
        "seal_audit", "complete_submissions", "finish_payment_files", "purge_expired_drafts", "prune_task_results"
    ]


def test_prune_deletes_only_old_finished_results() -> None:
    tasks.seal_audit.enqueue()
    services.run_pending()
    tasks.seal_audit.enqueue()  # waiting: never pruned
    old = timezone.now() - dt.timedelta(days=31)
    DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).update(finished_at=old)
    assert tasks.prune_task_results.call() == 1
    assert tasks.prune_task_results.call() == 0
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY


def test_worker_command_once_recovers_and_runs(world, proc) -> None:
    from django.core.management import call_command

    sub = expired_draft(world, proc)
    tasks.purge_expired_drafts.enqueue()
    DBTaskResult.objects.get().claim("dead")
    DBTaskResult.objects.update(started_at=timezone.now() - dt.timedelta(hours=1))
    call_command("worker", "--once", "--worker-id", "cmd")
    row = DBTaskResult.objects.get()
    assert row.status == TaskResultStatus.SUCCESSFUL and row.worker_ids == ["dead", "cmd"]
    assert not Submission.unscoped.filter(pk=sub.pk).exists()


def test_complete_submissions_task_writes_what_the_api_left_pending(
    world: Any, settings: Any
) -> None:
    """An API submission stored under load (its request did not complete it): the task does."""
    import time

    from mado.casework.models import Case
    from mado.procedures.models import Procedure
    from mado.procedures.services import import_catalogue
    from mado.submissions import completion
    from mado.submissions.tests.conftest import CATALOGUE

    import_catalogue(world["city"], CATALOGUE)
    proc = Procedure.unscoped.get(municipality=world["city"], code="juminhyo-utsushi")
    settings.MADO_SUBMISSION_BATCH = 10**6
    settings.MADO_SUBMISSION_IDLE_SECONDS = 10**6
    completion._state.last = time.monotonic()  # a busy process
    sub = submissions.create_submitted(world["city"], proc, None, {"copies": 1}, channel="web",
                                       identity=None, deferred=True)
    assert completion.is_pending(sub)
    assert tasks.complete_submissions.call() == 1
    assert Case.unscoped.filter(submission_id=sub.pk).exists()
    assert tasks.complete_submissions.call() == 0
