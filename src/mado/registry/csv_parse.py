"""Reading a registry CSV file against the layout: decoding, header, rows, cross-row checks.

Why separate from :mod:`mado.registry.csv_io`: this half touches no database,
so it can be tested and reasoned about alone, and the report it builds is the
one a clerk reads to fix a file. Line numbers are physical lines of the file
(header = line 1) taken from ``csv.reader.line_num``, so a quoted address that
spans several lines does not shift the numbers of later rows; a record is
reported at the line where it starts.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

from mado.core.text import normalize_width
from mado.registry.csv_layout import (
    COLUMN_BY_NAME,
    COLUMNS,
    REQUIRED,
    CellError,
    Column,
    name_warning,
    read_cell,
)

_LABELS = {normalize_width(c.label).lower(): c.name for c in COLUMNS}
_ADDRESS_KEY = ("postal_code", "address", "address_extra")


class _DecodeError(CellError):
    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class RowError:
    """One problem: physical CSV line (header = 1; 0 = the whole file), column, message."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.line}行目 / line {self.line}" if self.line else "ファイル / file"
        return f"{where}" + (f" [{self.column}]" if self.column else "") + f": {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    encoding: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "encoding": self.encoding,
            "ok": self.ok,
            "errors": [asdict(e) for e in self.errors],
            "warnings": [asdict(w) for w in self.warnings],
        }


@dataclass
class ParsedRow:
    line: int
    values: dict[str, Any]
    my_number: str = ""
    bad: bool = False


def add_error(
    report: ImportReport, line: int, column: str, ja: str, en: str, row: ParsedRow | None = None
) -> None:
    report.errors.append(RowError(line, column, f"{ja} / {en}"))
    if row is not None:
        row.bad = True


# ---------------------------------------------------------------- reading the file


def _read_source(file_or_path: Any) -> bytes | str:
    if isinstance(file_or_path, (str, os.PathLike)):
        return Path(file_or_path).read_bytes()
    return file_or_path.read()


def _decode(data: bytes | str, encoding: str | None) -> tuple[str, str]:
    """(text, encoding used); raises _DecodeError naming the line of an undecodable byte."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), "text"
    if encoding:
        name = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        try:
            return data.decode(name), name
        except LookupError as exc:
            raise _DecodeError(
                f"文字コード {encoding} は使えません / unknown encoding {encoding}"
            ) from exc
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise _DecodeError(
                f"{line}行目が {encoding} として読めません / line {line} is not valid {encoding}",
                line,
            ) from exc
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as utf8_exc:
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError as exc:
            u_line = data[: utf8_exc.start].count(b"\n") + 1
            s_line = data[: exc.start].count(b"\n") + 1
            raise _DecodeError(
                f"UTF-8 としても Shift_JIS(CP932) としても読めません(UTF-8: {u_line}行目, "
                f"CP932: {s_line}行目) / neither UTF-8 nor Shift_JIS/CP932 "
                f"(UTF-8 fails on line {u_line}, CP932 on line {s_line})",
                u_line,
            ) from exc


def _header(cells: list[str], report: ImportReport) -> list[Column | None]:
    columns: list[Column | None] = []
    seen: set[str] = set()
    for cell in cells:
        key = normalize_width(cell).strip().lower()
        name = key if key in COLUMN_BY_NAME else _LABELS.get(key)
        if name is None:
            if key:
                report.warnings.append(
                    RowError(
                        1, cell, f"未知の列「{cell}」は無視します / unknown column {cell!r} ignored"
                    )
                )
            columns.append(None)
            continue
        if name in seen:
            report.errors.append(
                RowError(1, name, f"列 {name} が重複しています / column {name} appears twice")
            )
        seen.add(name)
        columns.append(COLUMN_BY_NAME[name])
    for name in REQUIRED:
        if name not in seen:
            label = COLUMN_BY_NAME[name].label
            add_error(
                report,
                1,
                name,
                f"必須の列 {name}({label})がありません",
                f"required column {name} missing",
            )
    return columns


def _records(text: str, report: ImportReport) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) of every record; csv errors end the file with an error."""
    reader = csv.reader(io.StringIO(text, newline=""))
    last = 0
    try:
        for cells in reader:
            start, last = last + 1, reader.line_num
            yield start, cells
    except csv.Error as exc:
        report.errors.append(RowError(last + 1, "", f"CSVとして読めません({exc}) / malformed CSV"))


def _parse_row(
    line: int, cells: list[str], columns: list[Column | None], report: ImportReport
) -> ParsedRow:
    row = ParsedRow(line, {})
    n, m = len(cells), len(columns)
    if n < m or any(c.strip() for c in cells[m:]):
        what = "足りません" if n < m else "多すぎます"
        add_error(
            report,
            line,
            "",
            f"列が{what}({n}列/見出しは{m}列)",
            f"{n} cells but the header has {m}",
            row,
        )
        return row
    for col, raw in zip(columns, cells, strict=False):
        if col is None:
            continue
        try:
            value = read_cell(col, raw)
        except CellError as exc:
            row.bad = True
            report.errors.append(RowError(line, col.name, str(exc)))
            continue
        if col.kind == "my_number":
            row.my_number = value
            continue
        row.values[col.name] = value
        warning = name_warning(col, value)
        if warning:
            report.warnings.append(RowError(line, col.name, warning))
    _check_row(row, report)
    return row


def _check_row(row: ParsedRow, report: ImportReport) -> None:
    v = row.values
    today = timezone.localdate()
    if v.get("birth_date") and v["birth_date"] > today:
        row.bad = True
        report.errors.append(
            RowError(
                row.line, "birth_date", "生年月日が未来の日付です / birth_date is in the future"
            )
        )
    if v.get("nationality_type", "japanese") == "foreign":
        for name in ("nationality", "residence_status"):
            if not v.get(name):
                row.bad = True
                label = COLUMN_BY_NAME[name].label
                report.errors.append(
                    RowError(
                        row.line,
                        name,
                        f"外国人住民は{label}が必須です / {name} is required for "
                        f"a foreign resident",
                    )
                )
    elif "nationality_type" in v or "honseki" in v:
        if not v.get("honseki"):
            report.warnings.append(
                RowError(
                    row.line,
                    "honseki",
                    "日本人の本籍が空欄です / honseki is empty for a Japanese national",
                )
            )


def _check_across(rows: list[ParsedRow], report: ImportReport) -> None:
    """Duplicated 宛名番号 / 個人番号 and households at two addresses (error on the later row)."""
    atena: dict[str, int] = {}
    numbers: dict[str, int] = {}
    homes: dict[str, tuple[int, tuple[Any, ...]]] = {}
    for row in rows:
        v = row.values
        key = v.get("atena_number")
        if key:
            if key in atena:
                add_error(
                    report,
                    row.line,
                    "atena_number",
                    f"宛名番号 {key} が{atena[key]}行目と重複しています",
                    f"atena_number {key} repeats line {atena[key]}",
                    row,
                )
            else:
                atena[key] = row.line
        if row.my_number:
            if row.my_number in numbers:
                first_line = numbers[row.my_number]
                add_error(
                    report,
                    row.line,
                    "my_number",
                    f"個人番号が{first_line}行目と重複しています",
                    f"my_number repeats line {first_line}",
                    row,
                )
            else:
                numbers[row.my_number] = row.line
        hh = v.get("household_number")
        if hh and v.get("status", "active") == "active" and all(k in v for k in _ADDRESS_KEY[:2]):
            home = tuple(v.get(k, "") for k in _ADDRESS_KEY)
            first = homes.setdefault(hh, (row.line, home))
            if first[1] != home:
                row.bad = True
                report.errors.append(
                    RowError(
                        row.line,
                        "address",
                        f"世帯 {hh} の住所が{first[0]}行目と異なります / "
                        f"household {hh} has another address on line {first[0]}",
                    )
                )


def parse_file(
    file_or_path: str | os.PathLike[str] | IO[Any], encoding: str | None, report: ImportReport
) -> list[ParsedRow]:
    """Every non-empty data row of the file, parsed and checked; problems go to ``report``."""
    rows: list[ParsedRow] = []
    try:
        text, report.encoding = _decode(_read_source(file_or_path), encoding)
    except _DecodeError as exc:
        report.errors.append(RowError(exc.line, "", str(exc)))
        return rows
    records = _records(text, report)
    first = next(records, None)
    if first is None:
        report.errors.append(RowError(1, "", "見出し行がありません / header row missing"))
        return rows
    columns = _header(first[1], report)
    if report.errors:
        return rows
    for line, cells in records:
        if any(c.strip() for c in cells):
            rows.append(_parse_row(line, cells, columns, report))
    _check_across(rows, report)
    return rows
