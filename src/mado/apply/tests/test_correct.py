"""The resident's side of 差戻し and decisions: /my/<pk>/correct/ and /my/<pk>/notice/."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mado.apply.tests.conftest import card_identity, sign_in
from mado.casework import approval
from mado.casework import services as svc
from mado.casework.models import Case
from mado.casework.tests.conftest import cw, file_submission  # noqa: F401 - fixture
from mado.submissions.models import Status

pytestmark = pytest.mark.django_db


def _returned(cw: dict[str, Any]) -> tuple[Any, Client]:  # noqa: F811
    case = file_submission(cw, cw["takahashi"])
    svc.accept(case, by=cw["reviewer"])
    svc.start_review(case, by=cw["reviewer"])
    svc.return_for_correction(case, by=cw["reviewer"], reason="電話番号がつながりません。")
    client = Client()
    sign_in(client, card_identity(cw["takahashi"], cw["city"]))
    return case, client


def test_resident_sees_reason_corrects_and_resubmits(cw: dict[str, Any]) -> None:  # noqa: F811
    case, client = _returned(cw)
    url = f"/my/{case.submission_id}/correct/"
    page = client.get(url)
    assert page.status_code == 200
    assert "電話番号がつながりません。" in page.content.decode()
    bad = client.post(url, {"phone": "でんわ", "email": "taro@example.jp",
                            "name_kana": "タカハシ タロウ", "birth_date": "1980-04-01",
                            "address": "千葉県茂原市町保1番地", "target_year": "2025",
                            "reason": "unemployed", "livelihood": "savings"})
    assert bad.status_code == 400
    assert "でんわ" in bad.content.decode()  # what was typed is kept
    good = client.post(url, {"phone": "0475-22-3333", "email": "taro@example.jp",
                             "name_kana": "タカハシ タロウ", "birth_date": "1980-04-01",
                             "address": "千葉県茂原市町保1番地", "target_year": "2025",
                             "reason": "unemployed", "livelihood": "savings"})
    assert good.status_code == 302, good.content.decode()[:2000]
    case = Case.unscoped.select_related("submission").get(pk=case.pk)
    assert case.submission.status == Status.SUBMITTED
    assert case.submission.data["phone"].replace("-", "") == "0475223333"


def test_others_cannot_open_the_correction_page(cw: dict[str, Any]) -> None:  # noqa: F811
    case, _client = _returned(cw)
    stranger = Client()
    sign_in(stranger, card_identity(cw["yamazaki"], cw["city"]))
    assert stranger.get(f"/my/{case.submission_id}/correct/").status_code == 404
    assert Client().get(f"/my/{case.submission_id}/correct/").status_code == 404


def test_notice_page_and_pdf(cw: dict[str, Any]) -> None:  # noqa: F811
    case = file_submission(cw, cw["takahashi"])
    svc.accept(case, by=cw["reviewer"])
    svc.start_review(case, by=cw["reviewer"])
    approval.submit_for_approval(case, by=cw["reviewer"])
    approval.approve_step(case, by=cw["kakaricho"])
    approval.approve_step(case, by=cw["kacho"])
    client = Client()
    sign_in(client, card_identity(cw["takahashi"], cw["city"]))
    assert client.get(f"/my/{case.submission_id}/notice/").status_code == 404  # not decided yet
    svc.complete(case, by=cw["reviewer"])
    page = client.get(f"/my/{case.submission_id}/notice/")
    assert page.status_code == 200 and "決定通知" in page.content.decode()
    notice = case.notices.get()
    pdf = client.get(f"/my/{case.submission_id}/notice/{notice.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
