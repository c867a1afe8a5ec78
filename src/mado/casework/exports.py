"""Export port: decided cases as CSV / JSON in documented layouts, and signed webhooks.

Why: the plans want decided data handed to the core systems without re-keying
(seed 002 L229-235, seed 004 L734-736). The layouts are documented in
docs/casework.md; ``jumin_ido`` is a 住民異動 record (one row per move
notification) in the spirit of the 住民記録 standard's transfer fields.

Webhooks: for each active :class:`Webhook` matching the case's procedure, the
case's JSON record is POSTed with ``X-Mado-Signature: sha256=<hex HMAC of the
body with the webhook's secret>`` and ``X-Mado-Timestamp``; a receiver
recomputes the HMAC over the raw body to trust it. A failure is recorded on
the timeline (never breaks the decision).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import time
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

from mado.casework.models import Case, CaseEvent, Webhook
from mado.submissions.models import Status

DECIDED = (Status.COMPLETED, Status.REJECTED)
MOVE_PROCEDURES = ("tennyu-todoke", "tenshutsu-todoke", "tenkyo-todoke")
STANDARD_COLUMNS = ["receipt_number", "procedure_code", "procedure_name", "department",
                    "status", "channel", "applicant_name", "applicant_kana", "submitted_at",
                    "decided_at", "resident_atena_number", "data_json"]
JUMIN_IDO_COLUMNS = ["受付番号", "異動事由", "宛名番号", "氏名", "氏名カナ", "生年月日",
                     "異動日", "新住所", "前住所", "届出日"]
_IDO_REASON = {"tennyu-todoke": "転入", "tenshutsu-todoke": "転出", "tenkyo-todoke": "転居"}

Sender = Callable[[str, bytes, dict[str, str]], int]


def decided_cases(municipality: Any, *, procedure_code: str = "") -> Any:
    qs = (Case.unscoped.filter(municipality=municipality, status__in=DECIDED)
          .select_related("submission", "procedure", "department", "submission__resident")
          .order_by("decided_at", "pk"))
    if procedure_code:
        qs = qs.filter(procedure__code=procedure_code)
    return qs


def record(case: Case) -> dict[str, Any]:
    """The standard JSON record of one case (the same shape the webhook posts)."""
    sub = case.submission
    return {
        "receipt_number": sub.receipt_number,
        "procedure_code": case.procedure.code,
        "procedure_name": case.procedure.name,
        "department": case.department.code,
        "status": sub.status,
        "channel": sub.channel,
        "applicant_name": case.applicant_name,
        "applicant_kana": case.applicant_kana,
        "submitted_at": sub.submitted_at.isoformat() if sub.submitted_at else "",
        "decided_at": case.decided_at.isoformat() if case.decided_at else "",
        "resident_atena_number": sub.resident.atena_number if sub.resident_id else "",
        "data": sub.data or {},
    }


def _ido_row(case: Case) -> list[str]:
    sub, data = case.submission, case.submission.data or {}
    resident = sub.resident
    return [
        sub.receipt_number, _IDO_REASON.get(case.procedure.code, case.procedure.name),
        resident.atena_number if resident else "", case.applicant_name, case.applicant_kana,
        str(data.get("birth_date") or (resident.birth_date if resident else "")),
        str(data.get("move_date") or data.get("moved_on") or ""),
        str(data.get("new_address") or data.get("address") or ""),
        str(data.get("previous_address") or (resident.previous_address if resident else "")),
        sub.submitted_at.date().isoformat() if sub.submitted_at else "",
    ]


def export_csv(cases: Iterable[Case], layout: str = "standard") -> str:
    """CSV text (UTF-8, header row, CRLF) in the ``standard`` or ``jumin_ido`` layout."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if layout == "jumin_ido":
        writer.writerow(JUMIN_IDO_COLUMNS)
        for case in cases:
            if case.procedure.code in MOVE_PROCEDURES:
                writer.writerow(_ido_row(case))
    elif layout == "standard":
        writer.writerow(STANDARD_COLUMNS)
        for case in cases:
            r = record(case)
            r["data_json"] = json.dumps(r.pop("data"), ensure_ascii=False, sort_keys=True)
            writer.writerow([r[c] for c in STANDARD_COLUMNS])
    else:
        raise ValueError(f"不明な形式です: {layout} / unknown layout")
    return out.getvalue()


def export_json(cases: Iterable[Case]) -> str:
    return json.dumps({"schema": "mado.cases/1", "cases": [record(c) for c in cases]},
                      ensure_ascii=False, indent=1)


def sign_payload(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - configured adapter URL
        return int(resp.status)


def deliver_webhooks(case: Case, *, sender: Sender | None = None) -> list[tuple[str, int | str]]:
    """POST the case to every matching active webhook; returns (name, status or error)."""
    from mado.casework.services import add_event

    hooks = Webhook.unscoped.filter(municipality_id=case.municipality_id, active=True)
    results: list[tuple[str, int | str]] = []
    hooks = [h for h in hooks if h.procedure_id in (None, case.procedure_id)]
    if not hooks:
        return results
    body = json.dumps(record(case), ensure_ascii=False, sort_keys=True).encode()
    for hook in hooks:
        headers = {"Content-Type": "application/json",
                   "X-Mado-Signature": sign_payload(hook.secret, body),
                   "X-Mado-Timestamp": str(int(time.time()))}
        try:
            status: int | str = (sender or _post)(hook.url, body, headers)
        except Exception as exc:
            status = f"error: {type(exc).__name__}"
        results.append((hook.name, status))
        add_event(case, CaseEvent.Kind.EXPORT, text=f"Webhook {hook.name}: {status}")
    return results
