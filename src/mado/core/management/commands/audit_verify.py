"""``mado audit_verify``: recompute the audit hash chain and report tampering."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mado.core import audit


class Command(BaseCommand):
    help = "監査ログのハッシュチェーンを検証します / Verify the audit log hash chain."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit.verify()
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {result.checked} 件の監査ログは改ざんされていません / "
                    f"{result.checked} entries, chain intact"
                )
            )
            return
        for problem in result.problems:
            self.stderr.write(problem)
        raise CommandError(
            f"監査ログの改ざんを検出しました({len(result.problems)} 件) / "
            f"tampering detected ({len(result.problems)} problems)"
        )
