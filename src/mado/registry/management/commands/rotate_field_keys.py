"""``mado rotate_field_keys``: re-encrypt every 個人番号 under the newest key.

Key rotation: put a new Fernet key first in ``MADO_FIELD_KEYS`` (keep the old
ones after it), run this command, then the old keys may be removed. It also
recomputes the blind-index hashes, so a new ``MADO_LOOKUP_KEY`` takes effect.
Rows are processed in batches, each in its own transaction; re-running is safe.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from mado.core import audit
from mado.registry import my_number as mn
from mado.registry.models import ResidentRecord


class Command(BaseCommand):
    help = "個人番号を最新の鍵で暗号化し直します / Re-encrypt My Numbers under the newest key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, options["batch"])
        last = 0
        done = 0
        while True:
            rows = list(
                ResidentRecord.unscoped.filter(pk__gt=last)
                .exclude(my_number_encrypted="")
                .order_by("pk")
                .only("pk", "my_number_encrypted", "my_number_hash")[:batch]
            )
            if not rows:
                break
            for r in rows:
                r.my_number_encrypted = mn.rotate(r.my_number_encrypted)
                r.my_number_hash = mn.lookup_hash(mn.decrypt(r.my_number_encrypted))
            with transaction.atomic():
                ResidentRecord.unscoped.bulk_update(
                    rows, ["my_number_encrypted", "my_number_hash"], batch_size=500
                )
            done += len(rows)
            last = rows[-1].pk
        audit.record(
            audit.Action.UPDATE,
            actor="rotate_field_keys",
            target_type="resident.my_number",
            reason="鍵のローテーション / key rotation",
            detail={"rows": done},
        )
        self.stdout.write(f"{done:,} 件を再暗号化しました / re-encrypted {done:,} rows")
