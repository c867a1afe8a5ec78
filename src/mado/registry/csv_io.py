"""CSV import and export of the resident registry (住民記録CSVの取込・出力).

Why: until a city's core system (住民記録システム) speaks an API, the registry
arrives as a CSV file. A clerk must be able to fix a bad file from the report
alone, so every problem is reported with the physical line number of the file
(header = line 1, counted by ``csv.reader.line_num`` so that quoted multi-line
addresses do not shift later rows), the column and a bilingual message.

The import first parses and validates *every* row (:mod:`.csv_parse`); only then does it write,
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
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from mado.core import audit
from mado.core.models import Municipality
from mado.core.services import can_read_my_number, staff_municipality
from mado.core.tenancy import TenantViolation, get_current_municipality
from mado.registry import my_number as mn
from mado.registry.csv_layout import COLUMNS, MODEL_FIELDS, format_cell
from mado.registry.csv_parse import ImportReport, ParsedRow, RowError, add_error, parse_file
from mado.registry.models import Household, ResidentRecord, ResidentSearchToken
from mado.registry.services import build_search_tokens, encrypt_my_number

__all__ = ["ExportError", "ImportReport", "RowError", "export_registry", "import_registry"]

MODES = ("upsert", "insert", "update")
ON_ERROR = ("abort", "skip")
_CHUNK = 5000


class ExportError(ValueError):
    """The registry cannot be written in the requested encoding (bilingual message)."""


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


def _check_database(
    municipality: Municipality,
    rows: list[ParsedRow],
    existing: dict[str, ResidentRecord],
    mode: str,
    report: ImportReport,
) -> None:
    for row in rows:
        if row.bad:
            continue
        known = row.values["atena_number"] in existing
        if mode == "insert" and known:
            add_error(
                report,
                row.line,
                "atena_number",
                "宛名番号は登録済みです",
                "atena_number already exists",
                row,
            )
        elif mode == "update" and not known:
            add_error(
                report,
                row.line,
                "atena_number",
                "宛名番号が登録されていません",
                "atena_number not found",
                row,
            )
    by_hash = {mn.lookup_hash(r.my_number): r for r in rows if r.my_number and not r.bad}
    file_numbers = {r.values["atena_number"]: r.my_number for r in rows if not r.bad}
    for batch in _chunks(by_hash):
        holders = ResidentRecord.unscoped.filter(
            municipality=municipality, my_number_hash__in=batch
        )
        for holder_atena, digest in holders.values_list("atena_number", "my_number_hash"):
            row = by_hash[digest]
            if holder_atena == row.values["atena_number"]:
                continue
            if file_numbers.get(holder_atena):  # the holder gets another number in this file
                continue
            add_error(
                report,
                row.line,
                "my_number",
                f"個人番号は宛名番号 {holder_atena} の住民に登録済みです",
                f"my_number belongs to resident {holder_atena}",
                row,
            )


def _households(municipality: Municipality, numbers: set[str], create: bool) -> dict[str, int]:
    ids: dict[str, int] = {}
    for batch in _chunks(sorted(numbers)):
        ids.update(
            Household.unscoped.filter(
                municipality=municipality, household_number__in=batch
            ).values_list("household_number", "pk")
        )
    missing = [n for n in sorted(numbers) if n not in ids]
    if create and missing:
        Household.unscoped.bulk_create(
            [Household(municipality=municipality, household_number=n) for n in missing],
            batch_size=1000,
        )
        for batch in _chunks(missing):
            ids.update(
                Household.unscoped.filter(
                    municipality=municipality, household_number__in=batch
                ).values_list("household_number", "pk")
            )
    return ids


def _apply(
    municipality: Municipality,
    rows: list[ParsedRow],
    existing: dict[str, ResidentRecord],
    report: ImportReport,
    write: bool,
) -> None:
    households = _households(municipality, {r.values["household_number"] for r in rows}, write)
    now = timezone.now()
    new: list[ResidentRecord] = []
    changed: list[ResidentRecord] = []
    changed_fields: set[str] = set()
    for row in rows:
        v = dict(row.values)
        number = v.pop("household_number")
        obj = existing.get(v["atena_number"])
        if obj is None:
            obj = ResidentRecord(
                municipality=municipality,
                household_id=households.get(number),
                **{k: x for k, x in v.items() if k in MODEL_FIELDS},
            )
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
    report.created, report.updated = len(new), len(changed)
    if not write:
        return
    for r in new:
        r.created_at = r.updated_at = now
    _insert(ResidentRecord, new)
    for batch in _chunks([r.atena_number for r in new]):
        ids = dict(
            ResidentRecord.unscoped.filter(
                municipality=municipality, atena_number__in=batch
            ).values_list("atena_number", "pk")
        )
        for r in new:
            r.pk = ids.get(r.atena_number, r.pk)
    _update(ResidentRecord, changed, sorted(changed_fields | {"updated_at"}))
    # Token rows copy status, birth date and kana order as well as the names, so
    # every changed resident gets its tokens rebuilt (services.build_search_tokens).
    for batch in _chunks(r.pk for r in changed):
        ResidentSearchToken.objects.filter(resident_id__in=batch).delete()
    _insert(ResidentSearchToken, [t for r in [*new, *changed] for t in build_search_tokens(r)])


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _execute_many(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(params), _CHUNK):
            cursor.executemany(sql, params[start : start + _CHUNK])


# Raw statements below: identifiers come only from model _meta, every value is a parameter.


def _insert(model: type[Model], objs: list[Model]) -> None:
    """Insert every object below the ORM: COPY on PostgreSQL, one prepared INSERT elsewhere.

    (bulk_create compiles each value through the ORM in small batches: several
    times slower for the 200,000 rows — residents and search tokens — of a city.)
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] for o in objs]
    table, columns = _qn(model._meta.db_table), ", ".join(_qn(f.column) for f in fields)
    if connection.vendor == "postgresql" and rows:
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(fields))
    _execute_many(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def _update(model: type[Model], objs: list[Model], names: list[str]) -> None:
    """One prepared UPDATE per row (bulk_update's CASE statements take minutes on SQLite)."""
    if not objs:
        return
    fields = [model._meta.get_field(n) for n in names]
    sets = ", ".join(f"{_qn(f.column)} = %s" for f in fields)
    table, pk = model._meta.db_table, model._meta.pk.column
    _execute_many(
        f"UPDATE {_qn(table)} SET {sets} WHERE {_qn(pk)} = %s",  # noqa: S608
        [
            [*(f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields), o.pk]
            for o in objs
        ],
    )


def _check_scope(municipality: Municipality, user: Any) -> None:
    current = get_current_municipality()
    if current is not None and current.pk != municipality.pk:
        raise TenantViolation(
            "他の団体の住民記録は扱えません / cross-tenant registry access refused"
        )
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
        raise ValueError(
            f"mode は {MODES}、on_error は {ON_ERROR} のいずれかです / bad mode or on_error"
        )
    _check_scope(municipality, user)
    report = ImportReport(dry_run=dry_run)
    rows = parse_file(file_or_path, encoding, report)
    report.rows = len(rows)
    existing = _existing(
        municipality,
        [r.values["atena_number"] for r in rows if not r.bad and "atena_number" in r.values],
    )
    _check_database(municipality, rows, existing, mode, report)
    good = [r for r in rows if not r.bad]
    if report.errors and (on_error == "abort" or not rows):
        good = []
    report.skipped = len(rows) - len(good)
    report.errors.sort(key=lambda e: e.line)
    report.warnings.sort(key=lambda e: e.line)

    def audited() -> None:
        audit.record(
            audit.Action.IMPORT,
            user=user,
            municipality=municipality,
            actor="" if user is not None else "import_registry",
            target_type="registry.csv",
            detail={
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "skipped": report.skipped,
                "errors": len(report.errors),
                "warnings": len(report.warnings),
                "mode": mode,
                "on_error": on_error,
                "dry_run": dry_run,
                "encoding": report.encoding,
            },
        )

    try:
        with transaction.atomic():  # the rows and their audit entry commit together
            if good:
                _apply(municipality, good, existing, report, write=not dry_run)
            audited()
    except IntegrityError:  # another import wrote the same 宛名番号 meanwhile; nothing kept
        report.created = report.updated = report.unchanged = 0
        report.skipped = len(rows)
        report.errors.append(
            RowError(
                0,
                "",
                "取込中に同じ住民記録が別に更新されました。もう一度実行してください / "
                "the registry changed during the import (concurrent import?); run it again",
            )
        )
        audited()
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
        audit.record(
            audit.Action.EXPORT,
            user=user,
            municipality=municipality,
            actor="" if user is not None else "export_registry",
            target_type="registry.csv",
            detail={"include_my_number": True, "granted": False},
        )
        raise PermissionDenied(
            "個人番号を出力する権限がありません / not allowed to export My Number"
        )
    columns = [c for c in COLUMNS if include_my_number or c.kind != "my_number"]
    stream, owned = _text_out(out, encoding)
    count = 0
    try:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow([c.name for c in columns])
        qs = (
            ResidentRecord.unscoped.filter(municipality=municipality)
            .select_related("household")
            .order_by("household__household_number", "atena_number")
        )
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
                    f" encode; export as UTF-8"
                ) from exc
            writer.writerow(cells)
            count += 1
        stream.flush()
    finally:
        if owned:
            stream.close()
        elif isinstance(stream, io.TextIOWrapper) and stream is not out:
            stream.detach()
    audit.record(
        audit.Action.EXPORT,
        user=user,
        municipality=municipality,
        actor="" if user is not None else "export_registry",
        target_type="registry.csv",
        detail={"rows": count, "include_my_number": include_my_number, "encoding": encoding},
    )
    return count
