"""Import port: application files from ぴったりサービス and 引越しOSS (layouts SIMULATED).

Why: applications made on the national portal reach the city as files; keying
them in again is exactly what the plans want to end. Each record becomes an
ordinary Submission (channel ``national_portal``) through
``submissions.services`` — receipt number, status history, KPI event and
audit like any other channel — and its case is opened.

The layouts are *simulated* (the real interface specifications are not public;
docs/casework.md documents ours): ``pittari`` is JSON, ``hikkoshi`` is CSV.

Broken records: each record is imported in its own savepoint, so a record is
either wholly imported or not at all (never half a record). A broken record is
reported with its position (JSON: record number from 1; CSV: line number) and
the rest are imported — a file from the portal mixes independent residents'
applications, and holding back everyone's because of one is worse than
re-sending one (documented choice).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from mado.core import audit
from mado.core.text import WarekiError, parse_date
from mado.procedures.models import Procedure
from mado.submissions import services as subs
from mado.submissions.models import Submission, SubmissionChannel

MAX_RECORDS = 10_000
HIKKOSHI_COLUMNS = ["申請ID", "手続コード", "氏名", "氏名カナ", "生年月日", "前住所", "新住所",
                    "異動日", "メールアドレス"]


@dataclass
class ImportProblem:
    position: int
    message: str


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)  # receipt numbers
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class RecordError(ValueError):
    pass


def _records_pittari(text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(f"JSONとして読めません({exc.lineno}行) / not valid JSON") from exc
    apps = doc.get("applications") if isinstance(doc, dict) else None
    if not isinstance(apps, list):
        raise RecordError('"applications" の配列がありません / "applications" list missing')
    out = []
    for i, app in enumerate(apps[:MAX_RECORDS], start=1):
        if not isinstance(app, dict):
            out.append((i, {"__broken__": "レコードがオブジェクトではありません / not an object"}))
            continue
        applicant = app.get("applicant") if isinstance(app.get("applicant"), dict) else {}
        form = app.get("form") if isinstance(app.get("form"), dict) else {}
        out.append((i, {"id": app.get("application_id"), "procedure": app.get("procedure_code"),
                        "name": applicant.get("name"), "kana": applicant.get("name_kana"),
                        "birth_date": applicant.get("birth_date"),
                        "address": applicant.get("address"), "email": applicant.get("email"),
                        "data": form}))
    return out


def _records_hikkoshi(text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in HIKKOSHI_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise RecordError(f"列がありません: {', '.join(missing)} / missing columns")
    out = []
    for row in reader:
        if len(out) >= MAX_RECORDS:
            break
        out.append((reader.line_num, {
            "id": row["申請ID"], "procedure": row["手続コード"], "name": row["氏名"],
            "kana": row["氏名カナ"], "birth_date": row["生年月日"], "email": row["メールアドレス"],
            "address": row["新住所"],
            "data": {"previous_address": row["前住所"], "new_address": row["新住所"],
                     "move_date": row["異動日"]}}))
    return out


def _clean(municipality: Any, rec: dict[str, Any]) -> tuple[Procedure, dict[str, Any], str]:
    if "__broken__" in rec:
        raise RecordError(rec["__broken__"])
    app_id = str(rec.get("id") or "").strip()
    if not app_id or len(app_id) > 60:
        raise RecordError("申請IDがありません / application id missing")
    procedure = Procedure.unscoped.filter(municipality=municipality,
                                          code=str(rec.get("procedure") or "")).first()
    if procedure is None:
        raise RecordError(f"手続コード「{rec.get('procedure')}」がありません / unknown procedure")
    name = str(rec.get("name") or "").strip()
    if not name:
        raise RecordError("氏名がありません / name missing")
    try:
        birth = parse_date(str(rec.get("birth_date") or ""))
    except (WarekiError, ValueError) as exc:
        raise RecordError(f"生年月日が読めません / bad birth date: {rec.get('birth_date')}") from exc
    subject = f"portal:{app_id}"
    if Submission.unscoped.filter(municipality=municipality, identity_subject=subject).exists():
        raise RecordError(f"申請ID {app_id} は取込済みです / already imported")
    data = dict(rec.get("data") or {})
    family, _, given = name.replace("\u3000", " ").partition(" ")
    data.update({"name": {"family": family, "given": given.strip(),
                          "family_kana": "", "given_kana": ""},
                 "name_kana": str(rec.get("kana") or ""), "birth_date": birth.isoformat(),
                 "address": str(rec.get("address") or ""), "portal_application_id": app_id})
    if rec.get("email"):
        data["email"] = str(rec["email"])
    return procedure, data, subject


def import_portal_file(municipality: Any, text: str, *, layout: str, by: Any = "system"
                       ) -> ImportReport:
    """Import a ``pittari`` (JSON) or ``hikkoshi`` (CSV) file; report broken records."""
    from mado.casework.services import open_case

    report = ImportReport()
    try:
        if layout == "pittari":
            records = _records_pittari(text)
        elif layout == "hikkoshi":
            records = _records_hikkoshi(text)
        else:
            raise RecordError(f"不明な形式です: {layout} / unknown layout")
    except RecordError as exc:
        report.problems.append(ImportProblem(0, str(exc)))
        return report
    for position, rec in records:
        try:
            with transaction.atomic():
                procedure, data, subject = _clean(municipality, rec)
                identity = {"level": "card", "subject": subject,
                            "email": data.get("email", "")}
                draft, _token = subs.create_draft(
                    municipality, procedure, None, channel=SubmissionChannel.NATIONAL_PORTAL,
                    identity=identity)
                sub = subs.submit(draft, data, identity=identity, by=by)
                open_case(sub)
                report.imported.append(sub.receipt_number)
        except (RecordError, ValueError) as exc:
            report.problems.append(ImportProblem(position, str(exc)))
    audit.record("case_import", user=by if getattr(by, "is_authenticated", False) else None,
                 municipality=municipality, target_type="import",
                 detail={"layout": layout, "imported": len(report.imported),
                         "problems": len(report.problems)})
    return report
