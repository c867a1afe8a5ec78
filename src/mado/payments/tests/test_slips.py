"""納付書: the QR payload round trip and tamper check, the PDF's text, the staff slip pages."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from mado.core.models import AuditEntry, Municipality
from mado.payments.models import Payment, PaymentChannel
from mado.payments.services import book_payment, create_payment, format_reference, new_reference
from mado.payments.slips import SlipError, parse_slip_payload, slip_payload, slip_pdf

CITY = Municipality(code="129992", name="サンプル市")


def unsaved_payment(amount: int, reference: str | None = None) -> Payment:
    return Payment(municipality=CITY, reference=reference or new_reference(), amount_yen=amount,
                   description="粗大ごみ処理券", channel="slip")  # fmt: skip


@given(amount=st.integers(0, 10**9), due=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)))
def test_payload_round_trip(amount: int, due: dt.date) -> None:
    payment = unsaved_payment(amount)
    text = slip_payload(payment, due_date=due)
    assert text.startswith("MADO-ELQR:1:129992:")
    parsed = parse_slip_payload(text)
    assert (parsed.municipality_code, parsed.reference, parsed.amount_yen, parsed.due_date) == (
        "129992", payment.reference, amount, due)  # fmt: skip


@given(data=st.data())
def test_any_changed_character_is_refused(data: Any) -> None:
    text = slip_payload(unsaved_payment(data.draw(st.integers(0, 99999))), due_date=dt.date(2026, 5, 1))
    index = data.draw(st.integers(0, len(text) - 1))
    replacement = data.draw(st.sampled_from("0123456789ABCDEF:-x"))
    tampered = text[:index] + replacement + text[index + 1 :]
    if tampered != text:
        with pytest.raises(SlipError):
            parse_slip_payload(tampered)


@pytest.mark.parametrize("text", ["", "hello", "MADO-ELQR:2:129992:1:1:20260101:00000000",
                                  "MADO-ELQR:1:129992:123:300:20260101:00000000"])  # fmt: skip
def test_garbage_payloads_are_refused(text: str) -> None:
    with pytest.raises(SlipError):
        parse_slip_payload(text)


def test_payment_without_due_date_has_no_slip() -> None:
    with pytest.raises(SlipError):
        slip_payload(unsaved_payment(300))


@pytest.fixture
def slip_payment(world: dict[str, Any]) -> Payment:
    return create_payment(world["city"], amount_yen=1200, description="粗大ごみ処理券（4件）",
                          channel=PaymentChannel.SLIP, payer_name="渡邊 三郎",
                          due_date=dt.date(2026, 12, 25),
                          detail={"payer_address": "千葉県茂原市町保1番地"})  # fmt: skip


def test_slip_pdf_text(slip_payment: Payment) -> None:
    body = slip_pdf(slip_payment)
    assert body.startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-", "-"], input=body,  # noqa: S607
                          capture_output=True, check=True).stdout.decode()  # fmt: skip
    for expected in ("納付書", "サンプル市", "渡邊 三郎", "粗大ごみ処理券", "¥1,200",
                     format_reference(slip_payment.reference), "令和8年12月25日", "納付者控"):
        assert expected in text, expected


@pytest.fixture
def fee_client(world: dict[str, Any]) -> Client:
    from mado.procedures.services import import_catalogue

    report = import_catalogue(world["city"], {"procedures": [
        {"code": "sodai-gomi", "name": "粗大ごみ処理券", "department": "shimin",
         "channels": ["counter"], "fee": 300, "fee_unit": "fixed", "life_events": []}]})  # fmt: skip
    assert report.ok, report.errors
    client = Client()
    client.force_login(world["madoguchi"])
    return client


def test_issue_a_fee_slip_and_see_it_paid(fee_client: Client, world: dict[str, Any]) -> None:
    due = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    response = fee_client.post(reverse("payments:slip_new"), {
        "procedure": "sodai-gomi", "quantity": "3", "payer_name": "山﨑 次郎", "due_date": due})  # fmt: skip
    assert response.status_code == 302
    payment = Payment.unscoped.get()
    assert (payment.amount_yen, payment.channel, payment.status) == (900, "slip", "pending")
    detail = fee_client.get(response["Location"]).content.decode()
    assert "未納" in detail and format_reference(payment.reference) in detail
    pdf = fee_client.get(reverse("payments:slip_pdf", args=[payment.reference]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert AuditEntry.objects.filter(action="payment_slip_issued").count() == 1
    # the money arrives (reconciliation books through the kernel): the slip shows 納付済
    assert book_payment(payment, method="slip", amount_yen=900, source="reconciliation").booked
    detail = fee_client.get(reverse("payments:slip_detail", args=[payment.reference])).content
    assert "納付済" in detail.decode() and "再発行する" not in detail.decode()
    again = fee_client.post(reverse("payments:slip_detail", args=[payment.reference]),
                            {"due_date": due})  # fmt: skip
    assert again.status_code == 400


def test_issue_a_slip_for_an_existing_pending_payment(fee_client: Client, world: Any) -> None:
    payment = create_payment(world["city"], amount_yen=300, description="住民票の写し",
                             channel=PaymentChannel.MAIL)  # fmt: skip
    url = reverse("payments:slip_detail", args=[format_reference(payment.reference)])
    assert fee_client.get(url).status_code == 200
    assert fee_client.get(reverse("payments:slip_pdf", args=[payment.reference])).status_code == 404
    bad = fee_client.post(url, {"due_date": "あした"})
    assert bad.status_code == 400 and 'value="あした"' in bad.content.decode()
    past = fee_client.post(url, {"due_date": "2001-01-01"})
    assert past.status_code == 400
    ok = fee_client.post(url, {"due_date": "令和20年1月31日"})
    assert ok.status_code == 302
    payment.refresh_from_db()
    assert payment.due_date == dt.date(2038, 1, 31)
    found = fee_client.get(reverse("payments:slips"), {"reference": payment.reference})
    assert found.status_code == 302


def test_slip_form_errors_keep_input(fee_client: Client) -> None:
    response = fee_client.post(reverse("payments:slip_new"), {
        "procedure": "sodai-gomi", "quantity": "3", "payer_name": "", "due_date": "2099-01-01"})  # fmt: skip
    assert response.status_code == 400
    assert "納付者の氏名" in response.content.decode() and 'value="3"' in response.content.decode()
    assert not Payment.unscoped.exists()
    missing = fee_client.get(reverse("payments:slips"), {"reference": "1234567890123"})
    assert missing.status_code == 404


def test_slips_are_tenant_isolated(fee_client: Client, world: dict[str, Any]) -> None:
    payment = create_payment(world["city"], amount_yen=300, description="x", channel="slip",
                             due_date=dt.date(2099, 1, 1))  # fmt: skip
    fee_client.post(reverse("payments:slip_detail", args=[payment.reference]), {"due_date": "2099-01-01"})
    town = Client()
    town.force_login(world["town_user"])
    for name in ("slip_detail", "slip_pdf"):
        assert town.get(reverse(f"payments:{name}", args=[payment.reference])).status_code == 404
    assert payment.reference not in town.get(reverse("payments:slips")).content.decode()
