"""Paying the fee inside the online application (Django client): pay now, declined then later, 事後決済."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from mado.apply.tests.conftest import CODE
from mado.apply.tests.test_flow import applicant_post, request_post, start
from mado.payments import services as payments
from mado.payments.models import FeeKind, FeeRule, FeeTiming, Payment, PaymentStatus
from mado.payments.providers.contrib.sandbox import acquirer
from mado.submissions import services as subs
from mado.submissions.models import ServiceEvent, Submission

BASE = f"/apply/{CODE}/"
FUTURE = "12/39"


def submit(client: Client, copies: str = "2") -> Submission:
    start(client)
    client.post(BASE + "applicant/", applicant_post())
    client.post(BASE + "request/", request_post(**{"f-copies": copies}))
    response = client.post(BASE + "review/")
    assert response.status_code == 302
    return Submission.unscoped.get()


def pay_with(client: Client, pay_url: str, card: str) -> Any:
    """From the city's pay page through the hosted sandbox page and back."""
    response = client.post(pay_url)
    assert response.status_code == 302 and response["Location"].startswith("/sandbox/pay/cs_")
    hosted = client.get(response["Location"])
    assert hosted.status_code == 200 and "テスト環境" in hosted.content.decode()
    back = client.post(response["Location"], {"method": "card", "card_number": card,
                                              "expiry": FUTURE, "cvc": "123", "_action": "pay"})
    assert back.status_code == 302 and "/done/?checkout=cs_" in back["Location"]
    return client.get(back["Location"])


def test_pay_a_mail_request_by_card(card_client: Client, world: dict[str, Any]) -> None:
    sub = submit(card_client)
    payment = Payment.unscoped.get(submission=sub)
    assert payment.amount_yen == 600 and payment.status == PaymentStatus.PENDING
    receipt = card_client.get(f"/apply/receipt/{sub.pk}/").content.decode()
    assert "手数料を支払う" in receipt and f"/pay/{payment.reference}/" in receipt
    page = card_client.get(f"/pay/{payment.reference}/").content.decode()
    assert "600円" in page and payments.format_reference(payment.reference) in page
    done = pay_with(card_client, f"/pay/{payment.reference}/", "4242 4242 4242 4242")
    assert "お支払いが完了しました" in done.content.decode()
    summary = payments.payment_summary(sub)
    assert summary["status"] == "paid" and summary["method"] == "card" and not summary["waiting"]
    assert ServiceEvent.unscoped.get(kind="payment_received").payment_method == "card"
    assert "手数料を支払う" not in card_client.get(f"/apply/receipt/{sub.pk}/").content.decode()


def test_declined_card_keeps_the_application_and_it_is_payable_from_my(
        card_client: Client, world: dict[str, Any]) -> None:
    sub = submit(card_client)
    payment = Payment.unscoped.get(submission=sub)
    done = pay_with(card_client, f"/pay/{payment.reference}/", acquirer.DECLINED_CARD)
    body = done.content.decode()
    assert "決済不可" in body and "申請は受け付けたままです" in body
    sub.refresh_from_db()
    assert sub.status == "submitted" and sub.receipt_number
    my = card_client.get("/my/").content.decode()
    assert "未納" in my
    link = re.search(r'href="(/pay/\d{13}/)"', my)
    assert link and link.group(1) == f"/pay/{payment.reference}/"
    assert ServiceEvent.unscoped.get(kind="payment_declined").payment_method == "card"
    done = pay_with(card_client, link.group(1), acquirer.APPROVED_CARD)
    assert "お支払いが完了しました" in done.content.decode()
    assert "未納" not in card_client.get("/my/").content.decode()
    assert Payment.unscoped.filter(submission=sub).count() == 1


def test_timeout_marks_failed_and_retry_works(card_client: Client, world: dict[str, Any]) -> None:
    sub = submit(card_client, copies="1")
    payment = Payment.unscoped.get(submission=sub)
    done = pay_with(card_client, f"/pay/{payment.reference}/", acquirer.TIMEOUT_CARD)
    assert "エラー" in done.content.decode() and "もう一度支払う" in done.content.decode()
    assert payments.payment_summary(sub)["status"] == "failed"
    pay_with(card_client, f"/pay/{payment.reference}/", acquirer.APPROVED_CARD)
    assert payments.payment_summary(sub)["status"] == "paid"


def test_return_url_alone_books_nothing(card_client: Client, world: dict[str, Any]) -> None:
    sub = submit(card_client)
    payment = Payment.unscoped.get(submission=sub)
    response = card_client.get(f"/pay/{payment.reference}/done/?checkout=cs_forged&status=paid")
    assert "お支払いを確認中です" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_bad_card_input_is_kept_and_answered_400(card_client: Client, world: dict[str, Any]) -> None:
    sub = submit(card_client)
    payment = Payment.unscoped.get(submission=sub)
    hosted = card_client.post(f"/pay/{payment.reference}/")["Location"]
    response = card_client.post(hosted, {"method": "card", "card_number": "4242 4242 4242 4241",
                                         "expiry": "1/20", "cvc": "1", "_action": "pay"})
    body = response.content.decode()
    assert response.status_code == 400 and 'value="4242 4242 4242 4241"' in body
    assert "カード番号が正しくありません" in body and "有効期限" in body


def test_unknown_reference_is_404(card_client: Client) -> None:
    assert card_client.get("/pay/1234567890123/").status_code == 404
    assert card_client.get("/pay/abc/").status_code == 404


def test_after_review_fee_is_payable_from_my_once_approved(
        card_client: Client, world: dict[str, Any]) -> None:
    FeeRule.unscoped.create(municipality=world["city"], procedure_code=CODE, kind=FeeKind.FIXED,
                            amount_yen=2000, timing=FeeTiming.AFTER_REVIEW)
    sub = submit(card_client)
    assert not Payment.unscoped.filter(submission=sub).exists()
    assert "未納" not in card_client.get("/my/").content.decode()
    for status in ("accepted", "in_review", "approved"):
        sub = subs.change_status(sub, status, by=world["madoguchi"])
    payment = Payment.unscoped.get(submission=sub)
    assert payment.amount_yen == 2000 and payment.status == PaymentStatus.PENDING
    my = card_client.get("/my/").content.decode()
    assert "未納" in my and f"/pay/{payment.reference}/" in my


def test_exempt_fee_is_recorded_and_not_payable(card_client: Client, world: dict[str, Any]) -> None:
    FeeRule.unscoped.create(municipality=world["city"], procedure_code=CODE,
                            kind=FeeKind.PER_COPY, amount_yen=300,
                            exempt_when='applicant_type == "self"', exemption_reason="テスト免除")
    sub = submit(card_client)
    payment = Payment.unscoped.get(submission=sub)
    assert payment.status == PaymentStatus.EXEMPT and payment.amount_yen == 0
    assert payment.exemption_reason == "テスト免除"
    assert "手数料を支払う" not in card_client.get(f"/apply/receipt/{sub.pk}/").content.decode()
