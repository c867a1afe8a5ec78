"""The register through the Django client: ring up, change, idempotency, cancel, close, isolation."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mado.core.models import AuditEntry
from mado.payments.models import Payment, PaymentChannel, PaymentStatus, Refund
from mado.payments.register.models import RegisterDay, RegisterTransaction
from mado.submissions.models import ServiceEvent

HOME = "/staff/payments/"


def token_of(client: Client) -> str:
    page = client.get(HOME).content.decode()
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, "the register form carries a token"
    return match.group(1)


def ring(client: Client, token: str | None = None, **fields: Any) -> Any:
    data = {"token": token or token_of(client), "method": "cash"}
    data.update(fields)
    return client.post(HOME, data)


def test_register_home_lists_only_fee_items(cashier: Client) -> None:
    page = cashier.get(HOME)
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("payments:register") == HOME
    assert 'id="qty-juminhyo-utsushi"' in html and 'id="qty-sodai-gomi"' in html
    assert "転出届" not in html  # no fee: not a register item


def test_cash_sale_books_one_counter_payment_and_gives_change(cashier: Client, fees: Any) -> None:
    response = ring(cashier, **{"qty-juminhyo-utsushi": "2", "qty-koseki-shomeisho": "１",
                                "tendered": "2,000", "payer_name": "髙橋 太郎"})  # fmt: skip
    assert response.status_code == 302
    txn = RegisterTransaction.unscoped.get()
    assert (txn.total_yen, txn.tendered_yen, txn.change_yen) == (1050, 2000, 950)
    assert [(line.procedure_code, line.quantity, line.amount_yen) for line in txn.lines.all()] == [
        ("juminhyo-utsushi", 2, 600), ("koseki-shomeisho", 1, 450)]  # fmt: skip
    payment = Payment.unscoped.get()
    assert txn.payment == payment
    assert (payment.status, payment.method, payment.channel, payment.amount_yen) == (
        PaymentStatus.PAID, "cash", PaymentChannel.COUNTER, 1050)  # fmt: skip
    event = ServiceEvent.objects.get(kind="payment_received")
    assert event.payment_method == "cash"
    receipt = cashier.get(response["Location"])
    assert receipt.status_code == 200
    html = receipt.content.decode()
    assert "950円" in html and "領収書" in html and "髙橋 太郎" in html


def test_cash_less_than_total_is_refused_and_input_kept(cashier: Client) -> None:
    response = ring(cashier, **{"qty-juminhyo-utsushi": "3", "tendered": "500"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "¥900" in html and "足りません" in html
    assert 'value="3"' in html and 'value="500"' in html
    assert 'href="#tendered"' in html
    assert not RegisterTransaction.unscoped.exists() and not Payment.unscoped.exists()


@pytest.mark.parametrize(
    "fields, target",
    [
        ({"qty-juminhyo-utsushi": "たくさん", "tendered": "1000"}, "qty-juminhyo-utsushi"),
        ({"tendered": "1000"}, "qty-juminhyo-utsushi"),  # nothing rung up
        ({"qty-juminhyo-utsushi": "1", "tendered": "千円"}, "tendered"),
        ({"qty-juminhyo-utsushi": "1", "method": "bitcoin"}, "method"),
        ({"qty-juminhyo-utsushi": "1", "tendered": ""}, "tendered"),
    ],
)
def test_bad_input_is_a_400_with_the_field_named(cashier: Client, fields: Any, target: str) -> None:
    response = ring(cashier, **fields)
    assert response.status_code == 400
    assert f'href="#{target}"' in response.content.decode()
    assert not Payment.unscoped.exists()


def test_cashless_needs_no_cash_tendered(cashier: Client) -> None:
    response = ring(cashier, method="qr", **{"qty-sodai-gomi": "4"})
    assert response.status_code == 302
    txn = RegisterTransaction.unscoped.get()
    assert (txn.method, txn.total_yen, txn.tendered_yen, txn.change_yen) == ("qr", 1200, None, 0)
    assert Payment.unscoped.get().method == "qr"


def test_same_token_twice_rings_once(cashier: Client) -> None:
    token = token_of(cashier)
    first = ring(cashier, token, **{"qty-juminhyo-utsushi": "1", "tendered": "300"})
    second = ring(cashier, token, **{"qty-juminhyo-utsushi": "1", "tendered": "300"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert RegisterTransaction.unscoped.count() == 1 and Payment.unscoped.count() == 1
    assert ServiceEvent.objects.filter(kind="payment_received").count() == 1
    # a fresh form gets a fresh token and rings again
    ring(cashier, **{"qty-juminhyo-utsushi": "1", "tendered": "300"})
    assert RegisterTransaction.unscoped.count() == 2


def test_void_reverses_without_deleting(cashier: Client, fees: Any) -> None:
    ring(cashier, method="card", **{"qty-koseki-shomeisho": "2"})
    sale = RegisterTransaction.unscoped.get()
    url = reverse("payments:register_void", args=[sale.pk])
    assert cashier.get(url).status_code == 200
    missing_reason = cashier.post(url, {"reason": "  "})
    assert missing_reason.status_code == 400 and 'href="#reason"' in missing_reason.content.decode()
    response = cashier.post(url, {"reason": "通数の誤り"})
    assert response.status_code == 302
    void = RegisterTransaction.unscoped.get(kind="void")
    assert (void.voids, void.total_yen, void.method, void.reason) == (sale, -900, "card", "通数の誤り")
    assert RegisterTransaction.unscoped.filter(pk=sale.pk).exists()
    payment = Payment.unscoped.get()
    assert (payment.status, payment.refunded_yen) == (PaymentStatus.REFUNDED, 900)
    assert Refund.unscoped.get().reason.endswith("通数の誤り")
    assert AuditEntry.objects.filter(action="register_void").count() == 1
    again = cashier.post(url, {"reason": "二回目"})
    assert again.status_code == 400 and "取消済み" in again.content.decode()
    assert RegisterTransaction.unscoped.filter(kind="void").count() == 1


def test_daily_sheet_close_and_csv(cashier: Client) -> None:
    ring(cashier, **{"qty-juminhyo-utsushi": "1", "tendered": "1000"})
    ring(cashier, method="emoney", **{"qty-juminhyo-utsushi": "2"})
    ring(cashier, **{"qty-koseki-shomeisho": "1", "tendered": "450"})
    sale = RegisterTransaction.unscoped.get(total_yen=450)
    cashier.post(reverse("payments:register_void", args=[sale.pk]), {"reason": "手違い"})
    day = RegisterDay.unscoped.get()
    page = cashier.get(reverse("payments:register_day", args=[day.pk])).content.decode()
    assert 'id="cash-expected">300円<' in page  # 300 + 450 − 450
    assert 'id="net-total">900円<' in page
    assert "手違い" in page
    csv_response = cashier.get(reverse("payments:register_day_csv", args=[day.pk]))
    text = csv_response.content.decode("utf-8-sig")
    assert "現金,cash,2,750,1,-450,1,300" in text
    assert "電子マネー,emoney,1,600,0,0,1,600" in text
    bad = cashier.post(reverse("payments:register_close", args=[day.pk]), {"counted_cash": "abc"})
    assert bad.status_code == 400
    closed = cashier.post(reverse("payments:register_close", args=[day.pk]), {"counted_cash": "250"})
    assert closed.status_code == 302
    day.refresh_from_db()
    assert day.is_closed and day.counted_cash_yen == 250
    assert "過不足" in cashier.get(reverse("payments:register_day", args=[day.pk])).content.decode()
    after = ring(cashier, **{"qty-juminhyo-utsushi": "1", "tendered": "300"})
    assert after.status_code == 400 and "締め済み" in after.content.decode()
    first = RegisterTransaction.unscoped.get(number=1)
    late_void = cashier.post(reverse("payments:register_void", args=[first.pk]), {"reason": "x"})
    assert late_void.status_code == 400
    assert RegisterTransaction.unscoped.count() == 4
    again = cashier.post(reverse("payments:register_close", args=[day.pk]))
    assert again.status_code == 400


def test_receipt_pdf(cashier: Client) -> None:
    ring(cashier, **{"qty-juminhyo-utsushi": "2", "tendered": "1000", "payer_name": "山﨑 次郎"})
    txn = RegisterTransaction.unscoped.get()
    response = cashier.get(reverse("payments:register_receipt_pdf", args=[txn.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=response.content,  # noqa: S607
                              capture_output=True, check=True).stdout.decode()  # fmt: skip
        assert "領収書" in text and "¥600" in text and "山﨑" in text and txn.receipt_number in text


def test_other_municipality_cannot_see_the_register(
    cashier: Client, town_cashier: Client, fees: Any
) -> None:
    ring(cashier, **{"qty-juminhyo-utsushi": "1", "tendered": "300"})
    txn = RegisterTransaction.unscoped.get()
    for name in ("register_receipt", "register_receipt_pdf", "register_void"):
        assert town_cashier.get(reverse(f"payments:{name}", args=[txn.pk])).status_code == 404
    for name in ("register_day", "register_day_csv"):
        assert town_cashier.get(reverse(f"payments:{name}", args=[txn.day_id])).status_code == 404
    assert town_cashier.post(reverse("payments:register_void", args=[txn.pk]),
                             {"reason": "x"}).status_code == 404  # fmt: skip
    town_page = town_cashier.get(HOME).content.decode()
    assert "住民票の写し（テスト町）" in town_page and "戸籍全部事項証明書" not in town_page
    # the town's own register day is separate
    ring(town_cashier, **{"qty-juminhyo-utsushi": "1", "tendered": "200"})
    assert RegisterDay.unscoped.count() == 2
    town_txn = RegisterTransaction.unscoped.get(municipality=fees["town"])
    assert town_txn.number == 1 and town_txn.total_yen == 200


def test_staff_without_register_role_get_403(fees: Any) -> None:
    client = Client()
    client.force_login(fees["hoken"])  # reviewer only
    assert client.get(HOME).status_code == 403
    assert client.get(reverse("payments:slips")).status_code == 403
    anonymous = Client().get(HOME)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
