"""The case page shows the fee and whether it is paid (payments.services.payment_summary)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mado.apply.tests.conftest import card_client, city_form  # noqa: F401 - fixtures
from mado.apply.tests.test_payment import pay_with, submit
from mado.casework.models import Case
from mado.casework.tests.conftest import cw, file_submission  # noqa: F401 - fixture
from mado.conftest import make_staff
from mado.payments.models import Payment

pytestmark = pytest.mark.django_db


def _case_page(staff: Any, case: Case) -> str:
    client = Client()
    client.force_login(staff)
    response = client.get(f"/staff/cases/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_case_page_shows_unpaid_then_paid_by_card(card_client: Client,  # noqa: F811
                                                  world: dict[str, Any]) -> None:
    staff = make_staff(world["city"], "shimin-shinsa", [(world["shimin"], "reviewer")])
    sub = submit(card_client)  # 住民票の写し by mail, 2 copies (600円)
    case = Case.unscoped.get(submission=sub)
    payment = Payment.unscoped.get(submission=sub)
    before = _case_page(staff, case)
    assert "600円" in before and "未納" in before and "納付済" not in before
    assert f"/staff/payments/p/{payment.reference}/" in before
    pay_with(card_client, f"/pay/{payment.reference}/", "4242 4242 4242 4242")
    after = _case_page(staff, case)
    assert "納付済" in after and "(クレジットカード)" in after and "未納" not in after


def test_case_page_of_a_procedure_without_fee(cw: dict[str, Any]) -> None:  # noqa: F811
    case = file_submission(cw, cw["takahashi"])
    page = _case_page(cw["reviewer"], case)
    assert "なし / no fee" in page and "/staff/payments/p/" not in page
