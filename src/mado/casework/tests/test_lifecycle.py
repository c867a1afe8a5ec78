"""Case lifecycle and department permissions: the done-when "staff of one department cannot act"."""

from __future__ import annotations

from typing import Any

import pytest

from mado.casework import services as svc
from mado.casework.models import Case, CaseEvent, CaseGrant
from mado.casework.tests.conftest import file_submission
from mado.submissions.models import Status, StatusChange
from mado.submissions.services import submit

pytestmark = pytest.mark.django_db


def test_open_case_is_idempotent_and_takes_the_procedures_department(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    assert case.department == cw["zeimu"]
    assert svc.open_case(case.submission).pk == case.pk
    assert case.applicant_name == "髙橋 太郎"
    assert case.due_date > case.opened_at.date()


def test_ensure_cases_opens_missing_ones_in_bulk(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    other = file_submission(cw, cw["hanako"])
    Case.unscoped.filter(pk=other.pk).delete()
    assert svc.ensure_cases(cw["city"]) == 1
    assert Case.unscoped.filter(submission=other.submission).exists()
    assert svc.ensure_cases(cw["city"]) == 0
    assert Case.unscoped.get(submission=case.submission).pk == case.pk


def test_full_lifecycle_with_return_and_resubmission(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    staff = cw["reviewer"]
    svc.accept(case, by=staff)
    svc.start_review(case, by=staff)
    with pytest.raises(svc.CaseError):
        svc.return_for_correction(case, by=staff, reason="  ")
    svc.return_for_correction(case, by=staff, reason="電話番号を確認してください")
    sub = case.submission
    assert sub.status == Status.RETURNED
    note = StatusChange.unscoped.filter(submission=sub, to_status=Status.RETURNED).get().note
    assert note == "電話番号を確認してください"
    submit(sub, {**sub.data, "phone": "0475-11-2222"}, identity={"level": "email",
           "subject": "taro@example.jp", "email": "taro@example.jp"})
    case.refresh_from_db()
    assert case.submission.status == Status.SUBMITTED
    assert Case.unscoped.filter(submission=sub).count() == 1
    svc.accept(case, by=staff)
    assert case.submission.status == Status.ACCEPTED


def test_lifecycle_is_enforced(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    with pytest.raises(svc.CaseError):
        svc.complete(case, by=cw["reviewer"])


def test_other_department_cannot_see_or_act(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    hoken = cw["hoken"]  # reviewer of 保険年金課
    with pytest.raises(svc.CaseForbidden):
        svc.get_case(hoken, case.pk)
    with pytest.raises(svc.CaseForbidden):
        svc.accept(case, by=hoken)
    with pytest.raises(svc.CaseForbidden):
        svc.comment(case, by=hoken, text="見ました")
    case.refresh_from_db()
    assert case.submission.status == Status.SUBMITTED


def test_counter_role_alone_is_not_enough(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    with pytest.raises(svc.CaseForbidden):
        svc.accept(case, by=cw["madoguchi"])


def test_a_grant_lets_another_department_act_until_it_expires(cw: dict[str, Any]) -> None:
    import datetime as dt

    case = file_submission(cw, cw["takahashi"])
    hoken = cw["hoken"]
    grant = CaseGrant.unscoped.create(municipality=cw["city"], user=hoken,
                                      department=cw["zeimu"], reason="応援")
    svc.accept(case, by=hoken)
    assert case.submission.status == Status.ACCEPTED
    grant.until = dt.date.today() - dt.timedelta(days=1)
    grant.save()
    with pytest.raises(svc.CaseForbidden):
        svc.start_review(case, by=hoken)


def test_other_municipality_never_sees_the_case(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    assert svc.get_case(cw["town_user"], case.pk) is None


def test_comment_assign_and_timeline(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    svc.comment(case, by=cw["reviewer"], text="本人に電話済み")
    svc.assign([case], by=cw["reviewer"], to=cw["kakaricho"])
    with pytest.raises(svc.CaseForbidden):
        svc.assign([case], by=cw["reviewer"], to=cw["hoken"])
    svc.accept(case, by=cw["reviewer"])
    kinds = [t["kind"] for t in svc.timeline(case)]
    assert kinds[0] in ("status", "opened")
    assert {"comment", "assigned", "status"} <= set(kinds)
    assert CaseEvent.unscoped.filter(case=case, kind="comment").get().text == "本人に電話済み"


def test_internal_attachment_checks_content(cw: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = file_submission(cw, cw["takahashi"])
    pdf = SimpleUploadedFile("memo.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    att = svc.attach_internal(case, pdf, by=cw["reviewer"])
    assert att.content_type == "application/pdf" and att.size == 15
    fake = SimpleUploadedFile("memo.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(svc.CaseError):
        svc.attach_internal(case, fake, by=cw["reviewer"])
