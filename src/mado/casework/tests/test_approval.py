"""Approval routes: sequential and parallel steps, 代決, paper approvals and the e-approval rate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mado.casework import approval
from mado.casework import services as svc
from mado.casework.models import Approval, ApprovalStep, Delegation
from mado.casework.tests.conftest import file_submission
from mado.conftest import make_staff
from mado.submissions.models import Status

pytestmark = pytest.mark.django_db


def _in_review(cw: dict[str, Any]) -> Any:
    case = file_submission(cw, cw["takahashi"])
    svc.accept(case, by=cw["reviewer"])
    svc.start_review(case, by=cw["reviewer"])
    return case


def test_two_step_route_in_order(cw: dict[str, Any]) -> None:
    case = _in_review(cw)
    approval.submit_for_approval(case, by=cw["reviewer"])
    with pytest.raises(svc.CaseForbidden):  # the 課長 step is not open yet
        approval.approve_step(case, by=cw["kacho"])
    approval.approve_step(case, by=cw["kakaricho"])
    assert case.submission.status == Status.IN_REVIEW
    approval.approve_step(case, by=cw["kacho"])
    case.refresh_from_db()
    assert case.submission.status == Status.APPROVED and case.approval_state == "approved"


def test_parallel_group_needs_every_step(cw: dict[str, Any]) -> None:
    route = cw["procedure"].approval_route
    ApprovalStep.unscoped.create(municipality=cw["city"], route=route, order=1,
                                 label="合議: 市民課", role="manager", department=cw["shimin"])
    shimin_boss = make_staff(cw["city"], "shimin-kacho", [(cw["shimin"], "manager")])
    case = _in_review(cw)
    approval.submit_for_approval(case, by=cw["reviewer"])
    assert len(approval.pending_steps(case)) == 2
    approval.approve_step(case, by=cw["kakaricho"])
    assert [s.label for s in approval.pending_steps(case)] == ["合議: 市民課"]
    approval.approve_step(case, by=shimin_boss)
    assert [s.label for s in approval.pending_steps(case)] == ["課長決裁"]


def test_delegation_while_absent(cw: dict[str, Any]) -> None:
    case = _in_review(cw)
    approval.submit_for_approval(case, by=cw["reviewer"])
    approval.approve_step(case, by=cw["kakaricho"])
    today = dt.date.today()
    Delegation.unscoped.create(municipality=cw["city"], delegator=cw["kacho"],
                               delegate=cw["kakaricho"], starts_on=today, ends_on=today)
    done = approval.approve_step(case, by=cw["kakaricho"])
    assert done.on_behalf_of == cw["kacho"]
    assert case.submission.status == Status.APPROVED


def test_expired_delegation_does_not_count(cw: dict[str, Any]) -> None:
    case = _in_review(cw)
    approval.submit_for_approval(case, by=cw["reviewer"])
    approval.approve_step(case, by=cw["kakaricho"])
    past = dt.date.today() - dt.timedelta(days=3)
    Delegation.unscoped.create(municipality=cw["city"], delegator=cw["kacho"],
                               delegate=cw["kakaricho"], starts_on=past, ends_on=past)
    with pytest.raises(svc.CaseForbidden):
        approval.approve_step(case, by=cw["kakaricho"])


def test_return_during_approval_starts_a_new_round(cw: dict[str, Any]) -> None:
    from mado.submissions.services import submit

    case = _in_review(cw)
    approval.submit_for_approval(case, by=cw["reviewer"])
    approval.approve_step(case, by=cw["kakaricho"])
    svc.return_for_correction(case, by=cw["reviewer"], reason="訂正してください")
    sub = case.submission
    submit(sub, sub.data, identity={"level": "email", "subject": "taro@example.jp"})
    case.refresh_from_db()
    svc.accept(case, by=cw["reviewer"])
    svc.start_review(case, by=cw["reviewer"])
    approval.submit_for_approval(case, by=cw["reviewer"])
    assert [s.label for s in approval.pending_steps(case)] == ["係長決裁"]
    assert Approval.unscoped.filter(case=case).count() == 1


def test_paper_approval_and_rate_report(cw: dict[str, Any]) -> None:
    case = _in_review(cw)
    approval.submit_for_approval(case, by=cw["reviewer"])
    approval.approve_step(case, by=cw["kakaricho"])
    approval.approve_step(case, by=cw["kacho"], paper=True)
    rows = approval.approval_rate_report(cw["city"])
    assert [(r.department, r.electronic, r.paper, r.rate) for r in rows] == [
        ("税務課", 1, 1, 50.0)]


def test_only_role_holders_approve(cw: dict[str, Any]) -> None:
    case = _in_review(cw)
    approval.submit_for_approval(case, by=cw["reviewer"])
    with pytest.raises(svc.CaseForbidden):
        approval.approve_step(case, by=cw["reviewer"])
