"""``mado import_catalogue --municipality CODE file.json|file.csv [--dry-run]``."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mado.core.models import Municipality
from mado.procedures import services


class Command(BaseCommand):
    help = "手続カタログを取り込みます / Import a procedure catalogue (JSON or CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", help="省略時は標準カタログ / default: the standard one"
        )
        parser.add_argument("--municipality", required=True)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(
                f"団体コード {options['municipality']} がありません / no such municipality"
            )
        if options["path"]:
            path = Path(options["path"])
            try:
                text = path.read_text(encoding="utf-8-sig")
                data = (
                    json.loads(text)
                    if path.suffix.lower() == ".json"
                    else services.read_catalogue_csv(text)
                )
            except (OSError, ValueError) as exc:
                raise CommandError(f"読めません / cannot read {path}: {exc}") from exc
        else:
            data = services.load_standard_catalogue()
        report = services.import_catalogue(municipality, data, dry_run=options["dry_run"])
        for e in report.errors:
            self.stderr.write(f"#{e['index']} {e['code']} {e['field']}: {e['message']}")
        if not report.ok:
            raise CommandError(
                f"{len(report.errors)} 件の誤りがあり、何も取り込んでいません / "
                f"{len(report.errors)} errors; nothing imported"
            )
        self.stdout.write(
            f"新規 {report.created} 件・更新 {report.updated} 件 / "
            f"created {report.created}, updated {report.updated}"
        )
