"""``mado scheduler``: enqueue the periodic tasks (audit seal, daily draft purge).

Run it as a service (``mado scheduler``, checks every minute) or from cron
(``mado scheduler --once``). Enqueuing is deduplicated in the queue table, so
running both, or two of either, never doubles the work.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from mado.tasks import services

logger = logging.getLogger("mado.tasks")


class Command(BaseCommand):
    help = (
        "定期処理(監査ログの封印、期限切れ下書きの削除)を登録します / "
        "Enqueue periodic tasks (audit seal, expired-draft purge)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=60.0,
                            help="seconds between checks (default 60)")
        parser.add_argument("--once", action="store_true", help="check once and exit (cron)")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            try:
                names = services.schedule_due()
                if names:
                    self.stdout.write(f"登録 / enqueued: {', '.join(names)}")
            except DatabaseError as exc:
                logger.warning("database unavailable, retrying: %s", exc)
                for conn in connections.all():
                    conn.close()
            if options["once"]:
                return
            time.sleep(options["interval"])
