"""Scheduling, recovery and running of background tasks (django-tasks, database backend).

Why these exist on top of django-tasks: its database worker marks a task
"running" when it claims it and "failed" when it raises, and never looks at
either again. A worker killed with SIGKILL therefore leaves its task
"running" forever, and a task that hit a passing database error stays
"failed". :func:`recover` puts both back in the queue: a task running longer
than the lease (``MADO_TASK_LEASE_SECONDS``) lost its worker, and a failed
task is retried with a growing delay until ``MADO_TASK_MAX_ATTEMPTS``. The
attempts are the worker ids django-tasks appends on every claim. Because
every task is idempotent (see :mod:`mado.tasks.tasks`), a rare second run of
a task whose worker was only slow does no harm.

:func:`schedule_due` is the scheduler: it enqueues the audit seal whenever
none is waiting, and the draft purge once per day after ``DAILY_HOUR``
(Japan time). Both checks read the queue table, so several schedulers (or a
cron line and a loop) never enqueue the same day's work twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mado.tasks import tasks

__all__ = [
    "DAILY_HOUR",
    "SCHEDULE",
    "ScheduleEntry",
    "enqueue_once",
    "make_worker",
    "pending_count",
    "recover",
    "run_pending",
    "schedule_due",
]

DAILY_HOUR = 3  # 03:00 Japan time, when nobody applies
PENDING = (TaskResultStatus.READY, TaskResultStatus.RUNNING)


@dataclass(frozen=True)
class ScheduleEntry:
    """A task and how often: ``daily`` (once per local day after DAILY_HOUR) or ``always``."""

    task: Task
    every: str


SCHEDULE: list[ScheduleEntry] = [
    ScheduleEntry(tasks.seal_audit, "always"),
    ScheduleEntry(tasks.complete_submissions, "always"),
    ScheduleEntry(tasks.finish_payment_files, "always"),
    ScheduleEntry(tasks.purge_expired_drafts, "daily"),
    ScheduleEntry(tasks.prune_task_results, "daily"),
]


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "MADO_TASK_LEASE_SECONDS", 900))


def _max_attempts() -> int:
    return int(getattr(settings, "MADO_TASK_MAX_ATTEMPTS", 5))


def enqueue_once(task: Task, *, since: dt.datetime | None = None) -> bool:
    """Enqueue ``task`` unless one is waiting or running (or was enqueued at/after ``since``)."""
    with transaction.atomic():
        rows = DBTaskResult.objects.select_for_update().filter(task_path=task.module_path)
        # Lock the newest row so two schedulers serialise on it (no-op on SQLite).
        list(rows.order_by("-enqueued_at")[:1])
        if rows.filter(status__in=PENDING).exists():
            return False
        if since is not None and rows.filter(enqueued_at__gte=since).exists():
            return False
        task.enqueue()
        return True


def _day_start(now: dt.datetime) -> dt.datetime | None:
    """Today's DAILY_HOUR in local time, or None before it."""
    local = timezone.localtime(now)
    start = local.replace(hour=DAILY_HOUR, minute=0, second=0, microsecond=0)
    return start if local >= start else None


def schedule_due(now: dt.datetime | None = None) -> list[str]:
    """Enqueue what is due now; return the names of the tasks enqueued."""
    now = now or timezone.now()
    enqueued: list[str] = []
    for entry in SCHEDULE:
        if entry.every == "daily":
            since = _day_start(now)
            if since is None or not enqueue_once(entry.task, since=since):
                continue
        elif not enqueue_once(entry.task):
            continue
        enqueued.append(entry.task.name)
    return enqueued


def recover(now: dt.datetime | None = None) -> tuple[int, int]:
    """Requeue tasks whose worker died and failed tasks with attempts left: (stale, retried)."""
    now = now or timezone.now()
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - _lease()
    ).update(status=TaskResultStatus.READY, started_at=None)
    retried = 0
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).only(
        "id", "worker_ids"
    ):
        attempts = len(row.worker_ids or [])
        if attempts >= _max_attempts():
            continue
        delay = dt.timedelta(seconds=30 * 2 ** (attempts - 1)) if attempts else dt.timedelta()
        retried += DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.FAILED
        ).update(
            status=TaskResultStatus.READY,
            run_after=now + delay,
            finished_at=None,
            exception_class_path="",
            traceback="",
        )
    return stale, retried


def pending_count() -> int:
    """Tasks waiting to run now or later, or running."""
    return DBTaskResult.objects.filter(status__in=PENDING).count()


def make_worker(worker_id: str) -> Any:
    """django-tasks' database worker object (its run_task records success or failure)."""
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id=worker_id, excluded_queue_names=[],
    )


def run_pending(worker_id: str = "inline", *, worker: Any = None) -> int:
    """Claim and run the tasks that are ready now, one by one; return how many ran.

    The claim (``select_for_update(skip_locked=True)``) commits before the task
    runs, as in django-tasks' own loop, so several workers never take the same
    task. Unlike that loop this one does not close connections, so it also
    runs inside a test's transaction; ``mado worker`` closes them between passes.
    """
    worker = worker or make_worker(worker_id)
    ran = 0
    while worker.running:
        with transaction.atomic():
            row = DBTaskResult.objects.ready().get_locked()
            if row is None:
                return ran
            row.claim(worker.worker_id)
        worker.run_task(row)
        ran += 1
    return ran
