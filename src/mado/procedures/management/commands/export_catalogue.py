"""``mado export_catalogue --municipality CODE [--format json|csv] [--output path]``."""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mado.core.models import Municipality
from mado.procedures import services


class Command(BaseCommand):
    help = "手続カタログを書き出します / Export the procedure catalogue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True)
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(
                f"団体コード {options['municipality']} がありません / no such municipality"
            )
        out = (
            open(options["output"], "w", encoding="utf-8", newline="")
            if options["output"]
            else sys.stdout
        )
        try:
            if options["format"] == "json":
                json.dump(
                    services.export_catalogue(municipality), out, ensure_ascii=False, indent=2
                )
                out.write("\n")
            else:
                services.export_catalogue_csv(municipality, out)
        finally:
            if out is not sys.stdout:
                out.close()
