"""``mado issue_demo_cards``: simulated My Number cards for testers of a municipality.

Creates the deployment's simulated CA (and an untrusted "foreign" CA) if
missing, then one valid card for each of the first ``--count`` adult active
residents, plus one expired, one revoked and one foreign-CA card, so the
refusals can be seen on /id/card/. Every card's signature PIN is 1234abcd.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mado.core.models import Municipality
from mado.identity import services
from mado.registry.services import ResidentRecord


class Command(BaseCommand):
    help = "体験用マイナンバーカード(模擬)を発行します / issue simulated My Number cards"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="団体コード (e.g. 129992)")
        parser.add_argument("--count", type=int, default=20)
        parser.add_argument(
            "--key-type",
            choices=["rsa", "ec"],
            default="rsa",
            help="rsa (RSA-2048, as on real cards) or ec (P-256, faster)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(
                f"団体コード {options['municipality']} がありません / no such municipality"
            )
        if options["count"] < 1:
            raise CommandError("--count は1以上 / --count must be at least 1")
        # A signature certificate is issued from age 15 (under 15: 利用者証明用 only).
        adult_before = dt.date.today().replace(year=dt.date.today().year - 15)
        residents = list(
            ResidentRecord.unscoped.filter(
                municipality=municipality, status="active", birth_date__lte=adult_before
            ).order_by("pk")[: options["count"]]
        )
        if not residents:
            raise CommandError("住民がいません(先に seed_demo) / no residents: run seed_demo first")
        made = services.seed_demo_cards(municipality, residents, key_type=options["key_type"])
        self.stdout.write(
            f"{len(made)} 枚発行しました / cards issued for {municipality.name}. "
            f"署名用暗証番号 / PIN: {services.DEMO_PIN}  → /id/card/"
        )
