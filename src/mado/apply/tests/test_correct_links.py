"""/my/ links each application to its next step: 「申請を訂正する」 when returned,
「決定通知を見る」 when decided (with the receipt number, visually hidden, for unique names)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mado.apply.tests.conftest import card_identity, sign_in
from mado.casework import approval
from mado.casework import services as svc
from mado.casework.tests.conftest import cw, file_submission  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _my(cw: dict[str, Any]) -> str:  # noqa: F811
    client = Client()
    sign_in(client, card_identity(cw["takahashi"], cw["city"]))
    return client.get("/my/").content.decode()


def test_links_follow_the_status(cw: dict[str, Any]) -> None:  # noqa: F811
    returned = file_submission(cw, cw["takahashi"])
    svc.accept(returned, by=cw["reviewer"])
    svc.start_review(returned, by=cw["reviewer"])
    svc.return_for_correction(returned, by=cw["reviewer"], reason="確認してください")
    completed = file_submission(cw, cw["takahashi"])
    for step in (svc.accept, svc.start_review, approval.submit_for_approval):
        step(completed, by=cw["reviewer"])
    approval.approve_step(completed, by=cw["kakaricho"])
    approval.approve_step(completed, by=cw["kacho"])
    svc.complete(completed, by=cw["reviewer"])
    rejected = file_submission(cw, cw["takahashi"])
    svc.reject(rejected, by=cw["reviewer"], reason="対象外です")
    pending = file_submission(cw, cw["takahashi"])

    page = _my(cw)
    number = {c: c.submission.receipt_number for c in (returned, completed, rejected, pending)}
    correct = f'href="/my/{returned.submission_id}/correct/"'
    assert page.count(correct) == 1
    assert f'申請を訂正する<span class="visually-hidden">（{number[returned]}）</span>' in page
    for decided in (completed, rejected):
        assert f'href="/my/{decided.submission_id}/notice/"' in page
        assert f'決定通知を見る<span class="visually-hidden">（{number[decided]}）</span>' in page
    assert page.count("申請を訂正する") == 1 and page.count("決定通知を見る") == 2
    assert f"/my/{pending.submission_id}/correct/" not in page
    assert f"/my/{pending.submission_id}/notice/" not in page
