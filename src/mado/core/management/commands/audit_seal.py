"""``mado audit_seal``: chain the audit entries recorded since the last seal (cron, every minute)."""

from typing import Any

from django.core.management.base import BaseCommand

from mado.core import audit


class Command(BaseCommand):
    help = (
        "未封印の監査ログをハッシュチェーンにつなぎます(毎分の cron を推奨) / "
        "Seal unsealed audit entries into the hash chain (run every minute from cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = audit.seal()
        self.stdout.write(f"{count} 件を封印しました / sealed {count} entries")
