"""``mado import_registry --municipality CODE file.csv``: load a registry CSV (住民記録の取込).

Operators run this against the file their core system (住民記録システム) emits;
the report names each bad row by its line number in that file so it can be
fixed and re-run. The exit status is non-zero whenever a row was rejected, so
a nightly job notices even when ``--on-error skip`` imported the rest.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mado.core.models import Municipality
from mado.registry.csv_io import MODES, ON_ERROR, ImportReport, import_registry


def find_municipality(code: str) -> Municipality:
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        raise CommandError(
            f"団体コード {code} の団体がありません / no municipality with code {code}"
        )
    return municipality


def find_user(username: str | None) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"利用者 {username} がいません / no such user {username}")
    return user


class Command(BaseCommand):
    help = (
        "住民記録CSVを取り込みます(docs/registry-csv.md) / "
        "Import a resident registry CSV (see docs/registry-csv.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSVファイル / CSV file")
        parser.add_argument("--municipality", required=True, help="団体コード / municipality code")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="検査のみで書き込みません / validate only, write nothing",
        )
        parser.add_argument(
            "--on-error",
            choices=ON_ERROR,
            default="abort",
            help="abort: 1行でも誤りがあれば何も取り込まない / import nothing on "
            "any error; skip: 正しい行だけ取り込む / import the valid rows",
        )
        parser.add_argument("--mode", choices=MODES, default="upsert")
        parser.add_argument(
            "--encoding",
            default=None,
            help="文字コードを指定(例: cp932) / force an encoding, e.g. cp932",
        )
        parser.add_argument(
            "--user",
            default=None,
            help="監査ログに記録する職員 / staff user recorded in the audit log",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = find_municipality(options["municipality"])
        user = find_user(options["user"])
        try:
            report = import_registry(
                municipality,
                options["path"],
                user=user,
                mode=options["mode"],
                on_error=options["on_error"],
                dry_run=options["dry_run"],
                encoding=options["encoding"],
            )
        except FileNotFoundError as exc:
            raise CommandError(f"ファイルがありません / file not found: {options['path']}") from exc
        except (PermissionDenied, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.print_report(report, options["on_error"])
        if report.errors:
            raise CommandError(
                f"誤りのある行が {len(report.errors)} 件あります / {len(report.errors)} error(s)"
            )

    def print_report(self, report: ImportReport, on_error: str) -> None:
        for warning in report.warnings:
            self.stdout.write(f"警告 / warning: {warning}")
        for error in report.errors:
            self.stdout.write(self.style.ERROR(f"誤り / error: {error}"))
        prefix = "(試行 / dry run) " if report.dry_run else ""
        self.stdout.write(
            f"{prefix}{report.rows}行: 新規 {report.created}、更新 {report.updated}、"
            f"変更なし {report.unchanged}、取込まず {report.skipped}、誤り {len(report.errors)}、"
            f"警告 {len(report.warnings)}(文字コード {report.encoding or '-'})"
        )
        self.stdout.write(
            f"{prefix}{report.rows} rows: created {report.created}, updated {report.updated}, "
            f"unchanged {report.unchanged}, skipped {report.skipped}, "
            f"errors {len(report.errors)}, warnings {len(report.warnings)} "
            f"(encoding {report.encoding or '-'})"
        )
        if report.errors and on_error == "abort":
            self.stdout.write("何も取り込んでいません / nothing was imported")
