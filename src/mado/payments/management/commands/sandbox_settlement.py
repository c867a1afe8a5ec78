"""``mado sandbox_settlement --date YYYY-MM-DD [--merchant 129992] [--output file.csv]``.

Writes the sandbox acquirer's settlement statement for one day (the file the
reconciliation imports); see mado.payments.providers.contrib.sandbox.settlement.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mado.payments.providers.contrib.sandbox.settlement import settlement_csv


class Command(BaseCommand):
    help = "サンドボックス決済の精算明細（CSV）を出力します / write the sandbox settlement file"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", default="", help="YYYY-MM-DD (default: yesterday, JST)")
        parser.add_argument("--merchant", default="129992", help="団体コード / merchant id")
        parser.add_argument("--output", default="", help="file to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = (dt.date.fromisoformat(options["date"]) if options["date"]
                   else timezone.localdate() - dt.timedelta(days=1))
        except ValueError as exc:
            raise CommandError("日付は YYYY-MM-DD で指定してください / use --date YYYY-MM-DD") from exc
        text = settlement_csv(day, options["merchant"])
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            self.stderr.write(f"wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
