"""``mado worker``: run background tasks, and put back the ones a dead worker left behind.

django-tasks' own ``db_worker`` would run the tasks too, but never requeues a
task whose worker was killed; this loop calls :func:`mado.tasks.services.recover`
before each pass and survives a database restart (it waits and reconnects).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connections
from django.utils.crypto import get_random_string

from mado.tasks import services

logger = logging.getLogger("mado.tasks")


class Command(BaseCommand):
    help = (
        "バックグラウンド処理を実行します(systemd で常駐) / "
        "Run background tasks (keep it running under systemd)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=5.0,
                            help="seconds between polls when idle (default 5)")
        parser.add_argument("--once", action="store_true",
                            help="recover, run what is ready, then exit")
        parser.add_argument("--worker-id", default="",
                            help="unique id of this worker (default: random)")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = options["worker_id"] or f"mado-{get_random_string(12)}"
        worker = services.make_worker(worker_id)
        worker.configure_signals()  # SIGTERM: finish the running task, then exit
        self.stdout.write(f"worker {worker_id} started / 起動しました")
        while worker.running:
            try:
                stale, retried = services.recover()
                if stale or retried:
                    logger.warning("requeued %s abandoned and %s failed tasks", stale, retried)
                services.run_pending(worker=worker)
            except DatabaseError as exc:  # database restarting: wait, reconnect, go on
                logger.warning("database unavailable, retrying: %s", exc)
                for conn in connections.all():
                    conn.close_if_unusable_or_obsolete()
                    conn.close()
            if options["once"]:
                return
            close_old_connections()  # as after a request: drop a broken or old connection
            time.sleep(options["interval"])
