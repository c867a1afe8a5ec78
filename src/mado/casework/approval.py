"""Approval routes (決裁ルート): ordered steps, parallel groups, 代決, paper approvals.

Why: 神奈川県 raised electronic approval from 36.7% to 94% while still allowing
a step approved on paper during the transition (seed 001 L2996-3061). So each
approval records whether it was electronic or 紙決裁 (optionally with the
scanned document), and :func:`approval_rate_report` gives the electronic share
per department — the KPI the plans track (茂原市 targets 35%).

Route shape: :class:`ApprovalStep` rows ordered by ``order``; steps sharing an
``order`` are a parallel group and all must approve before the next order
opens. A step names a role (approver / manager) and a department (default:
the case's). A staff member may approve a step when they hold that role there,
or when a holder has delegated to them for today (代決; recorded with
``on_behalf_of``). A 差戻し starts a new round: earlier approvals stay in the
history but no longer count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from mado.casework.models import (
    Approval,
    ApprovalRoute,
    ApprovalState,
    ApprovalStep,
    Case,
    CaseAttachment,
    CaseEvent,
    Delegation,
)
from mado.core.models import Department, Role, StaffMembership
from mado.submissions import services as subs
from mado.submissions.models import Status

APPROVAL_ROLES = (Role.APPROVER, Role.MANAGER)


def route_steps(case: Case) -> list[ApprovalStep]:
    route = ApprovalRoute.unscoped.filter(procedure_id=case.procedure_id).first()
    if route is None:
        return []
    return list(route.steps.order_by("order", "pk"))


def pending_steps(case: Case) -> list[ApprovalStep]:
    """The steps open now: the lowest ``order`` group with an unapproved step in this round."""
    if case.approval_state != ApprovalState.PENDING:
        return []
    done = set(Approval.unscoped.filter(case=case, round=case.approval_round)
               .values_list("step_id", flat=True))
    steps = [s for s in route_steps(case) if s.pk not in done]
    if not steps:
        return []
    first = steps[0].order
    return [s for s in steps if s.order == first]


def _holders(step: ApprovalStep, case: Case) -> set[int]:
    dept = step.department_id or case.department_id
    return set(StaffMembership.unscoped.filter(department_id=dept, role=step.role)
               .values_list("user_id", flat=True))


def acting_for(user: Any, step: ApprovalStep, case: Case) -> tuple[bool, Any]:
    """(may approve, on behalf of whom or None) for ``user`` on ``step``."""
    holders = _holders(step, case)
    if user.pk in holders:
        return True, None
    today = timezone.localdate()
    delegation = (Delegation.unscoped.filter(
        municipality_id=case.municipality_id, delegate=user, delegator_id__in=holders,
        starts_on__lte=today, ends_on__gte=today).select_related("delegator").first())
    if delegation is not None:
        return True, delegation.delegator
    return False, None


def submit_for_approval(case: Case, *, by: Any) -> Case:
    """Start the approval route (案件は審査中であること). Without a route, the case stays."""
    from mado.casework.services import add_event, check_case

    check_case(by, case)
    if case.submission.status != Status.IN_REVIEW:
        raise subs.TransitionError("審査中の案件だけ決裁に回せます / only cases in review "
                                   "can be sent for approval")
    if not route_steps(case):
        raise subs.TransitionError("この手続には決裁ルートがありません / "
                                   "this procedure has no approval route")
    case.approval_round += 1
    case.approval_state = ApprovalState.PENDING
    case.save(update_fields=["approval_round", "approval_state"])
    add_event(case, CaseEvent.Kind.APPROVAL, by=by, text=f"決裁に回付 (第{case.approval_round}回)")
    return case


def approve_step(case: Case, *, by: Any, step: ApprovalStep | None = None, paper: bool = False,
                 scan: CaseAttachment | None = None, comment: str = "") -> Approval:
    """Approve one open step (the first the user may act on if ``step`` is None).

    When the last step is approved the submission moves to 決裁済 (approved).
    Approvers need not belong to the case's department (a step may name
    another department, e.g. 会計課); they must hold the step's role there.
    """
    from mado.casework.services import CaseForbidden, add_event

    open_steps = pending_steps(case)
    if not open_steps:
        raise subs.TransitionError("決裁待ちの段がありません / no approval step is open")
    candidates = [step] if step is not None else open_steps
    chosen, on_behalf = None, None
    for s in candidates:
        if s is None or s.pk not in {o.pk for o in open_steps}:
            continue
        ok, whom = acting_for(by, s, case)
        if ok:
            chosen, on_behalf = s, whom
            break
    if chosen is None:
        raise CaseForbidden("この段を決裁する権限がありません / you may not approve this step")
    route = ApprovalRoute.unscoped.get(pk=chosen.route_id)
    if paper and not route.allow_paper:
        raise subs.TransitionError("この手続は紙決裁を認めていません / paper approval not allowed")
    if scan is not None and scan.case_id != case.pk:
        raise subs.TransitionError("添付が別の案件のものです / attachment of another case")
    with transaction.atomic():
        approval = Approval.unscoped.create(
            municipality_id=case.municipality_id, case=case, step=chosen,
            round=case.approval_round, approved_by=by, on_behalf_of=on_behalf, paper=paper,
            scan=scan, department_id=chosen.department_id or case.department_id,
            comment=comment[:500])
        text = f"{chosen.label}: 承認" + (" (紙決裁)" if paper else " (電子決裁)")
        if on_behalf is not None:
            text += f" 代決: {on_behalf.get_username()}"
        add_event(case, CaseEvent.Kind.APPROVAL, by=by, text=text,
                  detail={"step": chosen.pk, "paper": paper})
        if not pending_steps(case):
            case.approval_state = ApprovalState.APPROVED
            case.save(update_fields=["approval_state"])
            case.submission = subs.change_status(case.submission, Status.APPROVED, by=by,
                                                 note="決裁完了 / approved")
            case.status = case.submission.status  # the row was updated by casework.sync
    return approval


def approve_without_route(case: Case, *, by: Any) -> Case:
    """決裁 by an approver or manager of the case's department, for procedures without a route."""
    from mado.casework.services import CaseForbidden, add_event, check_case, has_case_role

    check_case(by, case)
    if route_steps(case):
        raise subs.TransitionError("決裁ルートに従ってください / use the approval route")
    if not has_case_role(by, case.department_id, *APPROVAL_ROLES):
        raise CaseForbidden("決裁の権限がありません / you may not approve")
    with transaction.atomic():
        case.submission = subs.change_status(case.submission, Status.APPROVED, by=by)
        case.status = case.submission.status  # the row was updated by casework.sync
        case.approval_state = ApprovalState.APPROVED
        case.save(update_fields=["approval_state"])
        add_event(case, CaseEvent.Kind.APPROVAL, by=by, text="専決 (電子決裁)")
    return case


@dataclass
class RateRow:
    department: str
    electronic: int
    paper: int

    @property
    def total(self) -> int:
        return self.electronic + self.paper

    @property
    def rate(self) -> float:
        return round(100.0 * self.electronic / self.total, 1) if self.total else 0.0


def approval_rate_report(municipality: Any) -> list[RateRow]:
    """Electronic vs paper approvals per department (one grouped query)."""
    names = dict(Department.unscoped.filter(municipality=municipality)
                 .values_list("pk", "name"))
    rows = (Approval.unscoped.filter(municipality=municipality).values("department_id")
            .annotate(n_paper=Count("pk", filter=Q(paper=True)),
                      n_electronic=Count("pk", filter=Q(paper=False))))
    out = [RateRow(names.get(r["department_id"], "?"), r["n_electronic"], r["n_paper"])
           for r in rows]
    return sorted(out, key=lambda r: r.department)
