"""``mado export_registry --municipality CODE [--output file.csv]``: write the registry CSV.

The file has the layout ``import_registry`` reads (docs/registry-csv.md), so a
registry can be moved or backed up and loaded again. 個人番号 is written only
with ``--include-my-number`` for a named 個人番号事務取扱担当者 (``--user``),
and every export is audited.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mado.registry.csv_io import ExportError, export_registry
from mado.registry.management.commands.import_registry import find_municipality, find_user


class Command(BaseCommand):
    help = (
        "住民記録をCSVに出力します(docs/registry-csv.md) / "
        "Export the resident registry as CSV (see docs/registry-csv.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="団体コード / municipality code")
        parser.add_argument(
            "--output",
            default=None,
            help="出力先(省略時は標準出力) / output file (default: stdout)",
        )
        parser.add_argument(
            "--include-my-number",
            action="store_true",
            help="個人番号を含める(--user が必要) / include My Number (needs --user)",
        )
        parser.add_argument(
            "--user",
            default=None,
            help="出力する職員(監査ログに記録) / staff user, recorded in the audit log",
        )
        parser.add_argument(
            "--encoding",
            default="utf-8-sig",
            help="文字コード(既定 utf-8-sig、cp932 も可) / encoding",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = find_municipality(options["municipality"])
        user = find_user(options["user"])
        if options["include_my_number"] and user is None:
            raise CommandError(
                "--include-my-number には --user が必要です / --include-my-number needs --user"
            )
        output = options["output"]
        partial = Path(f"{output}.partial") if output else None
        target: Any = partial or getattr(sys.stdout, "buffer", self.stdout)
        try:
            count = export_registry(
                municipality,
                target,
                user=user,
                include_my_number=options["include_my_number"],
                encoding=options["encoding"],
            )
        except BrokenPipeError:  # `mado export_registry ... | head`: the reader left
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        except BaseException as exc:
            if partial is not None:
                partial.unlink(missing_ok=True)
            if isinstance(exc, (PermissionDenied, ExportError, LookupError)):
                raise CommandError(str(exc)) from exc
            raise
        if partial is not None:
            partial.replace(output)  # the file appears only when complete
            self.stderr.write(f"{count}件を出力しました / exported {count} residents to {output}")
