"""A real ``mado worker`` process SIGKILLed mid-task: the task is run again by the next worker
and its effect happens exactly once. PostgreSQL only (the worker is another process and
must see the test's committed rows; SQLite's test database lives in memory)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from mado.submissions import services as submissions
from mado.submissions.models import Submission
from mado.submissions.tests.conftest import CARD
from mado.tasks.tests.slow_tasks import purge_after_hanging_once

pytestmark = [
    # Decided before any fixture commits rows: SQLite's flush cannot empty the audit log.
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL (set DATABASE_URL): the worker is another process"),
    pytest.mark.django_db(transaction=True),
]


def worker_env(**extra: str) -> dict[str, str]:
    db = connection.settings_dict
    url = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/"
           f"{db['NAME']}")
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="mado.settings")
    env.update(extra)
    return env


def mado(*args: str) -> list[str]:
    return [sys.executable, "-m", "django", *args]


def test_sigkilled_worker_loses_nothing(world: dict[str, Any], proc: Any, tmp_path: Path) -> None:
    sub, _ = submissions.create_draft(world["city"], proc, None, channel="web", identity=CARD)
    Submission.unscoped.filter(pk=sub.pk).update(
        draft_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    marker = tmp_path / "started"
    purge_after_hanging_once.enqueue(str(marker))

    victim = subprocess.Popen(  # noqa: S603
        mado("worker", "--interval", "0.2", "--worker-id", "victim"),
        env=worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert victim.poll() is None, victim.stderr.read().decode()
            assert time.monotonic() < deadline, "the worker never started the task"
            time.sleep(0.1)
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    row = DBTaskResult.objects.get()
    assert row.status == TaskResultStatus.RUNNING and row.worker_ids == ["victim"]
    assert Submission.unscoped.filter(pk=sub.pk).exists()

    # The next worker (lease 0 s: the victim is known dead) requeues and finishes it.
    rescuer = subprocess.run(  # noqa: S603
        mado("worker", "--once", "--worker-id", "rescuer"),
        env=worker_env(MADO_TASK_LEASE_SECONDS="0"), capture_output=True, timeout=120,
        check=False,
    )
    assert rescuer.returncode == 0, rescuer.stderr.decode()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["victim", "rescuer"]
    assert row.return_value == 1  # the one draft, deleted once
    assert not Submission.unscoped.filter(pk=sub.pk).exists()
