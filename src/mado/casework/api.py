"""JSON API of ``casework`` (mounted by mado.api.router at /api/v1/cases).

``GET /cases`` lists the cases of the token's municipality that the token's
staff member may work (their casework departments and grants) — a token never
sees another municipality's or another department's cases. Integrations move a
case with ``POST /cases/{id}/transitions``: the lifecycle, approval routes and
department permissions are enforced exactly as on the staff pages, and a
refusal is a JSON 4xx.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from mado.casework import approval, inbox
from mado.casework import services as cw
from mado.core.models import Department
from mado.submissions.completion import complete_pending
from mado.submissions.models import Status

router = Router(tags=["casework"])
MAX_LIMIT = 200


class CaseOut(Schema):
    id: int
    receipt_number: str
    procedure: str
    procedure_name: str
    department: str
    status: str
    channel: str
    applicant_name: str
    due_date: dt.date
    assignee: str
    review_outcome: str
    review_reasons: list[str]
    approval_state: str
    submitted_at: dt.datetime | None


class CaseDetailOut(CaseOut):
    data: dict[str, Any]
    timeline: list[dict[str, Any]]


class ListFilters(Schema):
    status: str = ""
    department: str = ""
    limit: int = 50
    offset: int = 0


class TransitionIn(Schema):
    status: str
    note: str = ""


def _out(case: Any, dept_codes: dict[int, str]) -> dict[str, Any]:
    sub = case.submission
    return {
        "id": case.pk, "receipt_number": sub.receipt_number, "procedure": case.procedure.code,
        "procedure_name": case.procedure.name,
        "department": dept_codes.get(case.department_id, ""), "status": sub.status,
        "channel": sub.channel, "applicant_name": case.applicant_name,
        "due_date": case.due_date,
        "assignee": case.assignee.username if case.assignee_id else "",
        "review_outcome": case.review_outcome, "review_reasons": case.review_reasons,
        "approval_state": case.approval_state, "submitted_at": sub.submitted_at,
    }


def _codes(request: HttpRequest) -> dict[int, str]:
    return dict(Department.unscoped.filter(municipality=request.municipality)
                .values_list("pk", "code"))


@router.get("", response=list[CaseOut])
def list_cases(request: HttpRequest, filters: Query[ListFilters]) -> list[dict[str, Any]]:
    if filters.status and filters.status not in Status.values and filters.status != "all":
        raise HttpError(400, "状態の指定が不正です / unknown status")
    ids = cw.case_department_ids(request.user)
    complete_pending()  # API submissions whose case is still to be written
    codes = _codes(request)
    query = inbox.InboxQuery(status=filters.status or "all")
    if filters.department:
        wanted = [pk for pk, code in codes.items() if code == filters.department]
        if not wanted:
            raise HttpError(400, "課コードが不正です / unknown department")
        query.department = wanted[0]
    query.per_page = max(1, min(filters.limit, MAX_LIMIT))
    qs = inbox.filtered(request.user, query, ids)
    if filters.status and filters.status != "all":
        qs = qs.filter(status=filters.status)
    offset = max(0, filters.offset)
    rows = (qs.select_related("submission", "procedure", "assignee")
            .order_by("due_date", "id")[offset:offset + query.per_page])
    return [_out(c, codes) for c in rows]


def _case(request: HttpRequest, case_id: int) -> Any:
    try:
        case = cw.get_case(request.user, case_id)
    except cw.CaseForbidden as exc:
        raise HttpError(403, str(exc)) from exc
    if case is None:
        raise HttpError(404, "案件がありません / no such case")
    return case


@router.get("/{case_id}", response=CaseDetailOut)
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = _case(request, case_id)
    out = _out(case, _codes(request))
    out["data"] = case.submission.data or {}
    out["timeline"] = [{**t, "at": t["at"].isoformat()} for t in cw.timeline(case)]
    return out


@router.post("/{case_id}/transitions", response=CaseOut)
def transition(request: HttpRequest, case_id: int, body: TransitionIn) -> dict[str, Any]:
    case = _case(request, case_id)
    user = request.user
    try:
        if body.status == Status.ACCEPTED:
            cw.accept(case, by=user)
        elif body.status == Status.IN_REVIEW:
            cw.start_review(case, by=user)
        elif body.status == Status.RETURNED:
            cw.return_for_correction(case, by=user, reason=body.note)
        elif body.status == Status.REJECTED:
            cw.reject(case, by=user, reason=body.note)
        elif body.status == Status.APPROVED:
            if approval.route_steps(case):
                if case.approval_state != "pending":
                    approval.submit_for_approval(case, by=user)
                approval.approve_step(case, by=user, comment=body.note)
            else:
                approval.approve_without_route(case, by=user)
        elif body.status == Status.COMPLETED:
            cw.complete(case, by=user)
        else:
            raise cw.CaseError(f"状態「{body.status}」には変更できません / "
                               f"cannot move a case to {body.status!r}")
    except cw.CaseForbidden as exc:
        raise HttpError(403, str(exc)) from exc
    except cw.CaseError as exc:
        raise HttpError(409 if body.status in Status.values else 400, str(exc)) from exc
    case.refresh_from_db()
    return _out(case, _codes(request))
