"""CSV import and export of the resident registry (住民記録CSVの取込・出力).

Why: until a city's core system (住民記録システム) speaks an API, the registry
arrives as a CSV file. A clerk must be able to fix a bad file from the report
alone, so every problem is reported with the physical line number of the file
(header = line 1, counted by ``csv.reader.line_num`` so that quoted multi-line
addresses do not shift later rows), the column and a bilingual message.

The import first parses and validates *every* row; only then does it write,
in one transaction, with bulk statements (30,000 rows in seconds on SQLite).
A row is all-or-nothing: a row with an error is never half-written. With
``on_error="abort"`` (default) one bad row stops the whole file; with
``on_error="skip"`` the valid rows are imported and the bad ones reported.

The export writes the same layout (:mod:`mado.registry.csv_layout`), so an
export imported into an empty municipality reproduces the same records. Text
cells that a spreadsheet would run as a formula get a leading apostrophe,
which the importer removes again. Both directions append one audit entry with
counts only, never the data.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from mado.core import audit
from mado.core.models import Municipality
from mado.core.services import can_read_my_number, staff_municipality
from mado.core.tenancy import TenantViolation, get_current_municipality
from mado.core.text import normalize_width
from mado.registry import my_number as mn
from mado.registry.csv_layout import (
    COLUMN_BY_NAME,
    COLUMNS,
    MODEL_FIELDS,
    NAME_FIELDS,
    REQUIRED,
    CellError,
    Column,
    format_cell,
    name_warning,
    read_cell,
)
from mado.registry.models import Household, ResidentRecord, ResidentSearchToken
from mado.registry.services import build_search_tokens, encrypt_my_number

MODES = ("upsert", "insert", "update")
ON_ERROR = ("abort", "skip")
_CHUNK = 5000
_LABELS = {normalize_width(c.label).lower(): c.name for c in COLUMNS}
_ADDRESS_KEY = ("postal_code", "address", "address_extra")


class ExportError(ValueError):
    """The registry cannot be written in the requested encoding (bilingual message)."""


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
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "skipped": self.skipped, "rows": self.rows, "dry_run": self.dry_run,
            "encoding": self.encoding, "ok": self.ok,
            "errors": [asdict(e) for e in self.errors],
            "warnings": [asdict(w) for w in self.warnings],
        }


@dataclass
class _Row:
    line: int
    values: dict[str, Any]
    my_number: str = ""
    bad: bool = False


def _error(report: ImportReport, line: int, column: str, ja: str, en: str,
           row: _Row | None = None) -> None:
    report.errors.append(RowError(line, column, f"{ja} / {en}"))
    if row is not None:
        row.bad = True


# ---------------------------------------------------------------- reading the file

def _read_source(file_or_path: Any) -> bytes | str:
    if isinstance(file_or_path, (str, os.PathLike)):
        return Path(file_or_path).read_bytes()
    return file_or_path.read()


def _decode(data: bytes | str, encoding: str | None) -> tuple[str, str]:
    """(text, encoding used); raises CellError naming the line of an undecodable byte."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), "text"
    if encoding:
        name = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        try:
            return data.decode(name), name
        except LookupError as exc:
            raise CellError(f"文字コード {encoding} は使えません / "
                            f"unknown encoding {encoding}") from exc
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise CellError(
                f"{line}行目が {encoding} として読めません / line {line} is not valid {encoding}"
            ) from exc
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as utf8_exc:
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError as exc:
            u_line = data[: utf8_exc.start].count(b"\n") + 1
            s_line = data[: exc.start].count(b"\n") + 1
            raise CellError(
                f"UTF-8 としても Shift_JIS(CP932) としても読めません(UTF-8: {u_line}行目, "
                f"CP932: {s_line}行目) / neither UTF-8 nor Shift_JIS/CP932 "
                f"(UTF-8 fails on line {u_line}, CP932 on line {s_line})"
            ) from exc


def _header(cells: list[str], report: ImportReport) -> list[Column | None]:
    columns: list[Column | None] = []
    seen: set[str] = set()
    for cell in cells:
        key = normalize_width(cell).strip().lower()
        name = key if key in COLUMN_BY_NAME else _LABELS.get(key)
        if name is None:
            if key:
                report.warnings.append(RowError(1, cell, f"未知の列「{cell}」は無視します / "
                                                         f"unknown column {cell!r} ignored"))
            columns.append(None)
            continue
        if name in seen:
            report.errors.append(RowError(1, name, f"列 {name} が重複しています / "
                                                   f"column {name} appears twice"))
        seen.add(name)
        columns.append(COLUMN_BY_NAME[name])
    for name in REQUIRED:
        if name not in seen:
            label = COLUMN_BY_NAME[name].label
            _error(report, 1, name, f"必須の列 {name}({label})がありません",
                   f"required column {name} missing")
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


def _parse_row(line: int, cells: list[str], columns: list[Column | None],
               report: ImportReport) -> _Row:
    row = _Row(line, {})
    n, m = len(cells), len(columns)
    if n < m or any(c.strip() for c in cells[m:]):
        what = "足りません" if n < m else "多すぎます"
        _error(report, line, "", f"列が{what}({n}列/見出しは{m}列)",
               f"{n} cells but the header has {m}", row)
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


def _check_row(row: _Row, report: ImportReport) -> None:
    v = row.values
    today = timezone.localdate()
    if v.get("birth_date") and v["birth_date"] > today:
        row.bad = True
        report.errors.append(RowError(row.line, "birth_date", "生年月日が未来の日付です / "
                                                              "birth_date is in the future"))
    if v.get("nationality_type", "japanese") == "foreign":
        for name in ("nationality", "residence_status"):
            if not v.get(name):
                row.bad = True
                label = COLUMN_BY_NAME[name].label
                report.errors.append(RowError(
                    row.line, name, f"外国人住民は{label}が必須です / {name} is required for "
                                    f"a foreign resident"))
    elif "nationality_type" in v or "honseki" in v:
        if not v.get("honseki"):
            report.warnings.append(RowError(
                row.line, "honseki",
                "日本人の本籍が空欄です / honseki is empty for a Japanese national"))


def _check_across(rows: list[_Row], report: ImportReport) -> None:
    """Duplicated 宛名番号 / 個人番号 and households at two addresses (error on the later row)."""
    atena: dict[str, int] = {}
    numbers: dict[str, int] = {}
    homes: dict[str, tuple[int, tuple[Any, ...]]] = {}
    for row in rows:
        v = row.values
        key = v.get("atena_number")
        if key:
            if key in atena:
                _error(report, row.line, "atena_number",
                       f"宛名番号 {key} が{atena[key]}行目と重複しています",
                       f"atena_number {key} repeats line {atena[key]}", row)
            else:
                atena[key] = row.line
        if row.my_number:
            if row.my_number in numbers:
                first_line = numbers[row.my_number]
                _error(report, row.line, "my_number", f"個人番号が{first_line}行目と重複しています",
                       f"my_number repeats line {first_line}", row)
            else:
                numbers[row.my_number] = row.line
        hh = v.get("household_number")
        if hh and v.get("status", "active") == "active" and all(k in v for k in _ADDRESS_KEY[:2]):
            home = tuple(v.get(k, "") for k in _ADDRESS_KEY)
            first = homes.setdefault(hh, (row.line, home))
            if first[1] != home:
                row.bad = True
                report.errors.append(RowError(
                    row.line, "address", f"世帯 {hh} の住所が{first[0]}行目と異なります / "
                                         f"household {hh} has another address on line {first[0]}"))


# ---------------------------------------------------------------- database side

def _chunks(items: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _existing(municipality: Municipality, atena: list[str]) -> dict[str, ResidentRecord]:
    found: dict[str, ResidentRecord] = {}
    for batch in _chunks(atena):
        qs = ResidentRecord.unscoped.filter(municipality=municipality, atena_number__in=batch)
        found.update((r.atena_number, r) for r in qs.select_related("household"))
    return found


def _check_database(municipality: Municipality, rows: list[_Row],
                    existing: dict[str, ResidentRecord], mode: str, report: ImportReport) -> None:
    for row in rows:
        if row.bad:
            continue
        known = row.values["atena_number"] in existing
        if mode == "insert" and known:
            _error(report, row.line, "atena_number", "宛名番号は登録済みです",
                   "atena_number already exists", row)
        elif mode == "update" and not known:
            _error(report, row.line, "atena_number", "宛名番号が登録されていません",
                   "atena_number not found", row)
    by_hash = {mn.lookup_hash(r.my_number): r for r in rows if r.my_number and not r.bad}
    file_numbers = {r.values["atena_number"]: r.my_number for r in rows if not r.bad}
    for batch in _chunks(by_hash):
        holders = ResidentRecord.unscoped.filter(municipality=municipality,
                                                 my_number_hash__in=batch)
        for holder_atena, digest in holders.values_list("atena_number", "my_number_hash"):
            row = by_hash[digest]
            if holder_atena == row.values["atena_number"]:
                continue
            if file_numbers.get(holder_atena):  # the holder gets another number in this file
                continue
            _error(report, row.line, "my_number",
                   f"個人番号は宛名番号 {holder_atena} の住民に登録済みです",
                   f"my_number belongs to resident {holder_atena}", row)


def _households(municipality: Municipality, numbers: set[str], create: bool) -> dict[str, int]:
    ids: dict[str, int] = {}
    for batch in _chunks(sorted(numbers)):
        ids.update(Household.unscoped.filter(municipality=municipality, household_number__in=batch)
                   .values_list("household_number", "pk"))
    missing = [n for n in sorted(numbers) if n not in ids]
    if create and missing:
        Household.unscoped.bulk_create(
            [Household(municipality=municipality, household_number=n) for n in missing],
            batch_size=1000)
        for batch in _chunks(missing):
            ids.update(Household.unscoped.filter(municipality=municipality,
                                                 household_number__in=batch)
                       .values_list("household_number", "pk"))
    return ids


def _apply(municipality: Municipality, rows: list[_Row], existing: dict[str, ResidentRecord],
           report: ImportReport, write: bool) -> None:
    households = _households(municipality, {r.values["household_number"] for r in rows}, write)
    now = timezone.now()
    new: list[ResidentRecord] = []
    changed: list[ResidentRecord] = []
    changed_fields: set[str] = set()
    renamed: list[ResidentRecord] = []
    for row in rows:
        v = dict(row.values)
        number = v.pop("household_number")
        obj = existing.get(v["atena_number"])
        if obj is None:
            obj = ResidentRecord(municipality=municipality, household_id=households.get(number),
                                 **{k: x for k, x in v.items() if k in MODEL_FIELDS})
            if row.my_number:
                obj.my_number_encrypted, obj.my_number_hash = encrypt_my_number(row.my_number)
            new.append(obj)
            continue
        fields = {k for k, x in v.items() if getattr(obj, k) != x}
        for k in fields:
            setattr(obj, k, v[k])
        if obj.household.household_number != number:
            obj.household_id = households.get(number)
            fields.add("household")
        if row.my_number and obj.my_number_hash != mn.lookup_hash(row.my_number):
            obj.my_number_encrypted, obj.my_number_hash = encrypt_my_number(row.my_number)
            fields |= {"my_number_encrypted", "my_number_hash"}
        if not fields:
            report.unchanged += 1
            continue
        obj.updated_at = now
        changed.append(obj)
        changed_fields |= fields
        if fields & NAME_FIELDS:
            renamed.append(obj)
    report.created, report.updated = len(new), len(changed)
    if not write:
        return
    ResidentRecord.unscoped.bulk_create(new, batch_size=500)
    if any(r.pk is None for r in new):  # a backend that cannot return ids from bulk inserts
        ids = _existing(municipality, [r.atena_number for r in new])
        for r in new:
            r.pk = ids[r.atena_number].pk
    if changed:
        ResidentRecord.unscoped.bulk_update(changed, sorted(changed_fields | {"updated_at"}),
                                            batch_size=200)
    for batch in _chunks(r.pk for r in renamed):
        ResidentSearchToken.objects.filter(resident_id__in=batch).delete()
    tokens = [t for r in [*new, *renamed] for t in build_search_tokens(r)]
    ResidentSearchToken.objects.bulk_create(tokens, batch_size=2000)


def _check_scope(municipality: Municipality, user: Any) -> None:
    current = get_current_municipality()
    if current is not None and current.pk != municipality.pk:
        raise TenantViolation("他の団体の住民記録は扱えません / "
                              "cross-tenant registry access refused")
    own = staff_municipality(user) if user is not None else None
    if own is not None and own.pk != municipality.pk:
        raise PermissionDenied("他の団体の住民記録は扱えません / not your municipality's registry")


def import_registry(
    municipality: Municipality,
    file_or_path: str | os.PathLike[str] | IO[Any],
    *,
    user: Any,
    mode: str = "upsert",
    on_error: str = "abort",
    dry_run: bool = False,
    encoding: str | None = None,
) -> ImportReport:
    """Import a registry CSV (see docs/registry-csv.md); returns the report, never half a row.

    ``mode``: ``upsert`` (default), ``insert`` (only new 宛名番号) or ``update``
    (only known ones). ``on_error``: ``abort`` imports nothing when any row is
    bad, ``skip`` imports the valid rows. ``encoding`` forces a codec; by
    default UTF-8 (with or without BOM) is tried, then CP932 (Shift_JIS).
    """
    if mode not in MODES or on_error not in ON_ERROR:
        raise ValueError(f"mode は {MODES}、on_error は {ON_ERROR} のいずれかです / "
                         "bad mode or on_error")
    _check_scope(municipality, user)
    report = ImportReport(dry_run=dry_run)
    rows: list[_Row] = []
    try:
        text, report.encoding = _decode(_read_source(file_or_path), encoding)
    except CellError as exc:
        report.errors.append(RowError(0, "", str(exc)))
    else:
        records = _records(text, report)
        first = next(records, None)
        if first is None:
            report.errors.append(RowError(1, "", "見出し行がありません / header row missing"))
        else:
            columns = _header(first[1], report)
            if not report.errors:
                for line, cells in records:
                    if any(c.strip() for c in cells):
                        rows.append(_parse_row(line, cells, columns, report))
    report.rows = len(rows)
    _check_across(rows, report)
    existing = _existing(municipality, [r.values["atena_number"] for r in rows
                                        if not r.bad and "atena_number" in r.values])
    _check_database(municipality, rows, existing, mode, report)
    good = [r for r in rows if not r.bad]
    if report.errors and (on_error == "abort" or not rows):
        good = []
    report.skipped = len(rows) - len(good)
    report.errors.sort(key=lambda e: e.line)
    report.warnings.sort(key=lambda e: e.line)
    with transaction.atomic():
        if good:
            _apply(municipality, good, existing, report, write=not dry_run)
        audit.record(
            audit.Action.IMPORT, user=user, municipality=municipality, actor="import_registry",
            target_type="registry.csv",
            detail={"rows": report.rows, "created": report.created, "updated": report.updated,
                    "unchanged": report.unchanged, "skipped": report.skipped,
                    "errors": len(report.errors), "warnings": len(report.warnings),
                    "mode": mode, "on_error": on_error, "dry_run": dry_run,
                    "encoding": report.encoding},
        )
    return report


# ---------------------------------------------------------------- export

def _text_out(out: Any, encoding: str) -> tuple[IO[str], bool]:
    """A text stream over ``out`` (path, binary or text stream) and whether we own it."""
    if isinstance(out, (str, os.PathLike)):
        return open(out, "w", encoding=encoding, newline=""), True
    if isinstance(out, io.TextIOBase) and hasattr(out, "buffer"):
        out = out.buffer
    if isinstance(out, io.TextIOBase) or not hasattr(out, "write"):
        return out, False
    try:
        out.write(b"")
    except TypeError:  # a text stream of another kind (Django's OutputWrapper)
        return out, False
    return io.TextIOWrapper(out, encoding=encoding, newline="", write_through=True), False


def export_registry(
    municipality: Municipality,
    out: str | os.PathLike[str] | IO[Any],
    *,
    user: Any,
    include_my_number: bool = False,
    encoding: str = "utf-8-sig",
) -> int:
    """Write every resident of ``municipality`` in the registry CSV layout; returns the row count.

    ``include_my_number`` needs a 個人番号事務取扱担当者 (core.services.can_read_my_number),
    else PermissionDenied. Raises ExportError when a name cannot be written in
    ``encoding`` (e.g. 𠮷 in CP932); use UTF-8 for such registries.
    """
    _check_scope(municipality, user)
    if include_my_number and not can_read_my_number(user):
        audit.record(audit.Action.EXPORT, user=user, municipality=municipality,
                     actor="export_registry", target_type="registry.csv",
                     detail={"include_my_number": True, "granted": False})
        raise PermissionDenied("個人番号を出力する権限がありません / "
                               "not allowed to export My Number")
    columns = [c for c in COLUMNS if include_my_number or c.kind != "my_number"]
    stream, owned = _text_out(out, encoding)
    count = 0
    try:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow([c.name for c in columns])
        qs = (ResidentRecord.unscoped.filter(municipality=municipality)
              .select_related("household").order_by("household__household_number", "atena_number"))
        for r in qs.iterator(chunk_size=2000):
            cells = []
            for c in columns:
                if c.kind == "my_number":
                    cells.append(mn.decrypt(r.my_number_encrypted) if r.my_number_encrypted else "")
                elif c.name == "household_number":
                    cells.append(r.household.household_number)
                else:
                    cells.append(format_cell(c, getattr(r, c.name)))
            try:
                "".join(cells).encode(encoding)
            except UnicodeEncodeError as exc:
                raise ExportError(
                    f"宛名番号 {r.atena_number} に {encoding} で書けない文字があります。UTF-8 で"
                    f"出力してください / resident {r.atena_number} has characters {encoding} cannot"
                    f" encode; export as UTF-8") from exc
            writer.writerow(cells)
            count += 1
        stream.flush()
    finally:
        if owned:
            stream.close()
        elif isinstance(stream, io.TextIOWrapper) and stream is not out:
            stream.detach()
    audit.record(audit.Action.EXPORT, user=user, municipality=municipality,
                 actor="export_registry", target_type="registry.csv",
                 detail={"rows": count, "include_my_number": include_my_number,
                         "encoding": encoding})
    return count
