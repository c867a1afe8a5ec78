"""Staff payment pages: list and detail scoped to the municipality; refunds with a reason."""

from __future__ import annotations

from typing import Any

from django.test import Client

from mado.conftest import make_staff
from mado.core.models import AuditEntry
from mado.payments import services
from mado.payments.models import PaymentStatus, Refund
from mado.payments.providers.contrib.sandbox import acquirer
from mado.payments.providers.contrib.sandbox.models import SandboxRefund


def _paid_online(city: Any, amount: int = 600) -> Any:
    payment = services.create_payment(city, amount_yen=amount, description="住民票の写し 手数料",
                                      channel="web")
    url = services.start_checkout(payment, "/pay/x/done/")
    acquirer.pay(acquirer.open_checkout(url.rstrip("/").rsplit("/", 1)[-1]), "qr")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    return payment


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_refund_needs_a_reason_and_goes_through_the_provider(world: dict[str, Any]) -> None:
    payment = _paid_online(world["city"])
    boss = make_staff(world["city"], "kacho", [(world["shimin"], "manager")])
    client = _client(boss)
    url = f"/staff/payments/p/{payment.reference}/"
    response = client.post(url, {"amount_yen": "300", "reason": ""})
    assert response.status_code == 400 and "理由" in response.content.decode()
    assert 'value="300"' in response.content.decode()  # nothing typed is lost
    response = client.post(url, {"amount_yen": "300", "reason": "1通分の取消"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.refunded_yen == 300 and payment.status == PaymentStatus.PAID
    refund = Refund.unscoped.get()
    assert refund.confirmed_at is not None  # refund.succeeded webhook from the sandbox
    assert SandboxRefund.objects.get().amount_yen == 300
    client.post(url, {"amount_yen": "300", "reason": "全額"})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert AuditEntry.objects.filter(action="payment_refunded").count() == 2
    assert client.post(url, {"amount_yen": "1", "reason": "x"}).status_code == 400


def test_counter_staff_may_not_refund(world: dict[str, Any]) -> None:
    payment = _paid_online(world["city"])
    response = _client(world["madoguchi"]).post(f"/staff/payments/p/{payment.reference}/",
                                                {"amount_yen": "600", "reason": "x"})
    assert response.status_code == 403
    assert not Refund.unscoped.exists()


def test_another_municipality_sees_nothing(world: dict[str, Any]) -> None:
    payment = _paid_online(world["city"])
    town = _client(world["town_user"])
    assert town.get(f"/staff/payments/p/{payment.reference}/").status_code == 404
    assert payment.reference not in town.get("/staff/payments/list/").content.decode()
    assert payment.reference in _client(world["madoguchi"]).get(
        "/staff/payments/list/").content.decode()
