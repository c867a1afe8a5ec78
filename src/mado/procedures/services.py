"""Public API of the procedure catalogue: listing, lookup, import and export.

Other apps (navigator, counter, eforms) read the catalogue through these
functions and the compiled cache in :mod:`mado.procedures.catalogue`, never
through their own copies. The exchange format is the JSON of
``data/standard_catalogue.json`` (docs/procedures.md); CSV carries the same
keys, lists as one item per line inside a cell and rules as JSON.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction

from mado.core import audit
from mado.core.models import Department, Municipality
from mado.procedures.catalogue import CatalogueEntry, get_catalogue
from mado.procedures.models import Procedure
from mado.procedures.validation import validate_procedure_fields

STANDARD_CATALOGUE = Path(__file__).parent / "data" / "standard_catalogue.json"

FIELDS = [
    "code", "name", "name_kana", "name_en", "department", "legal_basis", "description",
    "description_en", "channels", "fee", "fee_unit", "fee_note", "documents", "who_may_apply",
    "proxy_documents", "processing_time", "deadline", "life_events", "rules", "default_reason",
    "default_reason_en", "plan_order", "annual_volume", "my_number_card_online",
    "priority_online", "external_url", "is_active",
]  # fmt: skip
LIST_FIELDS = {"channels", "documents", "proxy_documents", "life_events"}
INT_FIELDS = {"fee", "plan_order", "annual_volume"}
BOOL_FIELDS = {"my_number_card_online", "priority_online", "is_active"}
DEFAULTS: dict[str, Any] = {
    "name_kana": "", "name_en": "", "legal_basis": "", "description": "", "description_en": "",
    "channels": [], "fee": 0, "fee_unit": "none", "fee_note": "", "documents": [],
    "who_may_apply": "", "proxy_documents": [], "processing_time": "", "deadline": "",
    "life_events": [], "rules": [], "default_reason": "", "default_reason_en": "",
    "plan_order": 100, "annual_volume": 0, "my_number_card_online": False,
    "priority_online": False, "external_url": "", "is_active": True,
}  # fmt: skip


@dataclass
class CatalogueImportReport:
    created: int = 0
    updated: int = 0
    departments_created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "departments_created": self.departments_created,
            "errors": self.errors,
        }


def list_procedures(
    municipality: Municipality,
    *,
    life_event: str | None = None,
    department: str | None = None,
    online: bool | None = None,
) -> list[CatalogueEntry]:
    """Active procedures, filtered; ``department`` matches a code or a name."""
    cat = get_catalogue(municipality)
    entries = cat.by_event.get(life_event, []) if life_event else cat.entries
    if department:
        entries = [e for e in entries if department in (e.department.code, e.department.name)]
    if online is not None:
        entries = [e for e in entries if is_online(e) == online]
    return list(entries)


def is_online(entry: CatalogueEntry) -> bool:
    return bool({"online", "national_portal"} & set(entry.data["channels"]))


def get_procedure(municipality: Municipality, code: str) -> CatalogueEntry | None:
    return get_catalogue(municipality).by_code.get(code)


def _normalise(raw: dict[str, Any]) -> dict[str, Any]:
    data = dict(DEFAULTS)
    data.update({k: v for k, v in raw.items() if k in FIELDS})
    return data


@transaction.atomic
def import_catalogue(
    municipality: Municipality,
    data: dict[str, Any],
    *,
    user: Any = None,
    dry_run: bool = False,
) -> CatalogueImportReport:
    """Create or update procedures (by code) and departments (by code) from catalogue data.

    Every procedure is validated first; if any is invalid nothing is written
    and the report lists each problem with the procedure's position and code.
    """
    report = CatalogueImportReport()
    if not isinstance(data, dict) or not isinstance(data.get("procedures"), list):
        report.errors.append(
            {
                "index": None,
                "code": "",
                "field": "procedures",
                "message": "procedures のリストが必要です / a procedures list is required",
            }
        )
        return report
    departments = {d.code: d for d in Department.unscoped.filter(municipality=municipality)}
    new_departments: dict[str, dict[str, Any]] = {}
    for d in data.get("departments", []) or []:
        if isinstance(d, dict) and isinstance(d.get("code"), str) and d["code"] not in departments:
            new_departments[d["code"]] = d
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["procedures"]):
        if not isinstance(raw, dict):
            report.errors.append(
                {
                    "index": i + 1,
                    "code": "",
                    "field": "",
                    "message": "オブジェクトではありません / not an object",
                }
            )
            continue
        row = _normalise(raw)
        problems = validate_procedure_fields(row)
        dept = row.get("department")
        if dept not in departments and dept not in new_departments:
            problems.setdefault("department", []).append(
                f"課「{dept}」がありません / unknown department {dept!r}"
            )
        if row.get("code") in seen:
            problems.setdefault("code", []).append("手続コードが重複しています / duplicate code")
        seen.add(row.get("code"))
        for fld, messages in problems.items():
            for m in messages:
                report.errors.append(
                    {"index": i + 1, "code": row.get("code", ""), "field": fld, "message": m}
                )
        rows.append(row)
    if report.errors or dry_run:
        return report
    for code, d in new_departments.items():
        departments[code] = Department.unscoped.create(
            municipality=municipality,
            code=code,
            name=str(d.get("name", code))[:100],
            location=str(d.get("location", ""))[:200],
            phone=str(d.get("phone", ""))[:20],
            sort_order=int(d.get("sort_order", 0) or 0),
        )
        report.departments_created += 1
    existing = {p.code: p for p in Procedure.unscoped.filter(municipality=municipality)}
    for row in rows:
        values = {k: row[k] for k in FIELDS if k not in ("code", "department")}
        values["department"] = departments[row["department"]]
        proc = existing.get(row["code"])
        if proc is None:
            Procedure.unscoped.create(municipality=municipality, code=row["code"], **values)
            report.created += 1
        else:
            for k, v in values.items():
                setattr(proc, k, v)
            proc.save()
            report.updated += 1
    audit.record(
        audit.Action.IMPORT,
        user=user,
        municipality=municipality,
        target_type="procedure_catalogue",
        detail={"created": report.created, "updated": report.updated},
    )
    return report


def export_catalogue(municipality: Municipality) -> dict[str, Any]:
    procs = Procedure.unscoped.filter(municipality=municipality).select_related("department")
    used = {p.department for p in procs}
    return {
        "version": 1,
        "municipality": municipality.code,
        "departments": [
            {
                "code": d.code,
                "name": d.name,
                "location": d.location,
                "phone": d.phone,
                "sort_order": d.sort_order,
            }
            for d in sorted(used, key=lambda d: (d.sort_order, d.code))
        ],
        "procedures": [p.as_data() for p in procs.order_by("plan_order", "code")],
    }


def export_catalogue_csv(municipality: Municipality, out: TextIO) -> int:
    """The catalogue as CSV (UTF-8): lists one item per line in a cell, rules as JSON."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    data = export_catalogue(municipality)
    for p in data["procedures"]:
        writer.writerow([_cell(k, p[k]) for k in FIELDS])
    return len(data["procedures"])


def _cell(key: str, value: Any) -> str:
    if key in LIST_FIELDS:
        return "\n".join(value)
    if key == "rules":
        return json.dumps(value, ensure_ascii=False) if value else ""
    if key in BOOL_FIELDS:
        return "1" if value else "0"
    return str(value)


class CatalogueFormatError(ValueError):
    """A CSV file that cannot be read as a catalogue (bilingual message with the line)."""


def read_catalogue_csv(text: str) -> dict[str, Any]:
    """Parse catalogue CSV into catalogue data (validated later by import_catalogue)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"code", "name", "department"} - set(reader.fieldnames or [])
    if missing:
        raise CatalogueFormatError(
            f"見出し行に {sorted(missing)} がありません / header lacks {sorted(missing)}"
        )
    procedures = []
    for row in reader:
        item: dict[str, Any] = {}
        for key, value in row.items():
            if key not in FIELDS or value is None:
                continue
            value = value.strip()
            if key in LIST_FIELDS:
                item[key] = [v.strip() for v in value.splitlines() if v.strip()]
            elif key == "rules":
                try:
                    item[key] = json.loads(value) if value else []
                except json.JSONDecodeError as exc:
                    raise CatalogueFormatError(
                        f"{reader.line_num}行目: rules が JSON ではありません / line "
                        f"{reader.line_num}: rules is not JSON ({exc.msg})"
                    ) from exc
            elif key in INT_FIELDS:
                try:
                    item[key] = int(value or 0)
                except ValueError as exc:
                    raise CatalogueFormatError(
                        f"{reader.line_num}行目: {key} は整数です / line {reader.line_num}: "
                        f"{key} must be an integer"
                    ) from exc
            elif key in BOOL_FIELDS:
                item[key] = value.lower() in ("1", "true", "yes", "はい", "○")
            else:
                item[key] = value
        procedures.append(item)
    return {"version": 1, "procedures": procedures}


def load_standard_catalogue() -> dict[str, Any]:
    return json.loads(STANDARD_CATALOGUE.read_text(encoding="utf-8"))


def seed_standard_catalogue(
    municipality: Municipality, *, user: Any = None
) -> CatalogueImportReport:
    """Give a municipality the standard catalogue (what seed_demo and new cities start from)."""
    return import_catalogue(municipality, load_standard_catalogue(), user=user)
