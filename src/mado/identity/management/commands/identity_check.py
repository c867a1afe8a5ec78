"""``mado identity_check``: is each identity adapter configured? (DESIGN §3 ``check()``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mado.identity import services


class Command(BaseCommand):
    help = "本人確認アダプタの設定を確認します / check the identity adapters"

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        for status in services.check():
            mark = "OK " if status.configured else "NG "
            sim = " [simulated]" if status.simulated else ""
            self.stdout.write(f"{mark}{status.key}{sim}: {status.label} — {status.detail}")
            failed = failed or not status.configured
        if failed:
            raise CommandError("設定が不足しています / an adapter is not configured")
