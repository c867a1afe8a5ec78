"""``mado seed_demo``: the fictional サンプル市 and テスト町, ready to try (CONTRACT.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mado.registry.demo import seed_demo


class Command(BaseCommand):
    help = (
        "体験用の架空の自治体(サンプル市・テスト町)と職員アカウントを作成します / "
        "Create the fictional demo municipalities, their registry and staff accounts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=30000,
                            help="サンプル市の住民数 / residents of サンプル市 (default 30000)")
        parser.add_argument("--seed", type=int, default=2026,
                            help="乱数の種(同じ種なら同じ住民) / random seed (default 2026)")
        parser.add_argument("--force", action="store_true",
                            help="既存の体験用住民記録を削除して作り直す / delete and reseed")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["residents"] < 1:
            raise CommandError("--residents は1以上です / --residents must be at least 1")
        try:
            seed_demo(options["residents"], options["seed"], options["force"], self.stdout)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
