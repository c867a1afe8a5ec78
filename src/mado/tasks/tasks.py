"""The background tasks. Each one is idempotent: running it twice has the effect of running it once.

Why that matters: a worker can be killed mid-task (deploy, OOM, power). The
task then stays "running" in the queue until :func:`mado.tasks.services.recover`
puts it back, and a second worker runs it again from the start. The tasks
here work in committed steps and only act on what is still to do (expired
drafts that still exist, audit entries not sealed yet, old results not yet
deleted), so a rerun finishes
the job and never repeats it.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from mado.core import audit
from mado.submissions import services as submissions


@task()
def purge_expired_drafts() -> int:
    """Delete drafts past their expiry (and stale unattached uploads); return the drafts count."""
    return submissions.purge_expired_drafts()


@task()
def seal_audit() -> int:
    """Chain the audit entries recorded since the last seal; return how many were sealed."""
    return audit.seal()


@task()
def complete_submissions() -> int:
    """Write the follow-up records of API submissions still pending; return how many."""
    from mado.submissions.completion import complete_pending

    return complete_pending()


@task()
def finish_payment_files() -> int:
    """Write the lines of payment files whose import was interrupted; return how many files."""
    from mado.payments.reconcile.parallel import finish_pending

    return finish_pending()


RESULTS_KEPT = dt.timedelta(days=30)


@task()
def prune_task_results() -> int:
    """Delete finished task results older than 30 days (the seal alone adds 1,440 a day)."""
    from django_tasks_db.models import DBTaskResult

    old = DBTaskResult.objects.finished().filter(finished_at__lt=timezone.now() - RESULTS_KEPT)
    return old.delete()[0]
