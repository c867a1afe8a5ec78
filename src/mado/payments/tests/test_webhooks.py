"""The city's webhook endpoint: signed, fresh and new, or refused with a 400 and an audit entry."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from mado.core.models import AuditEntry
from mado.payments import services
from mado.payments.models import PaymentStatus, ProviderEvent
from mado.payments.providers.contrib.sandbox import acquirer, signing
from mado.payments.providers.contrib.sandbox import webhooks as sandbox_hooks
from mado.payments.providers.contrib.sandbox.models import SandboxWebhook
from mado.submissions.models import ServiceEvent

URL = "/pay/webhooks/sandbox/"


def _captured(city: Any, amount: int = 300) -> tuple[Any, Any]:
    """A payment captured by the sandbox, and the webhook it sent (already delivered once)."""
    payment = services.create_payment(city, amount_yen=amount, description="手数料", channel="web")
    url = services.start_checkout(payment, "/pay/x/done/")
    checkout = acquirer.open_checkout(url.rstrip("/").rsplit("/", 1)[-1])
    acquirer.pay(checkout, "emoney")
    return payment, SandboxWebhook.objects.get(kind="payment.captured")


def _post(client: Client, body: bytes, header: str | None) -> Any:
    extra = {"HTTP_MADO_SIGNATURE": header} if header is not None else {}
    return client.post(URL, data=body, content_type="application/json", **extra)


def test_a_captured_payment_is_booked_by_the_signed_webhook(world: dict[str, Any]) -> None:
    payment, hook = _captured(world["city"])
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.method == "emoney"
    assert payment.provider == "sandbox" and payment.provider_payment_id.startswith("ch_")
    assert hook.last_status == 200 and ProviderEvent.unscoped.filter(event_id=hook.event_id).exists()


def test_same_webhook_twice_books_one_payment(world: dict[str, Any]) -> None:
    payment, hook = _captured(world["city"])
    assert sandbox_hooks.redeliver(hook.event_id) == 200  # the acquirer's redelivery
    headers, body = sandbox_hooks.signed_request(hook)
    client = Client()
    first = _post(client, body, headers[signing.HEADER])
    second = _post(client, body, headers[signing.HEADER])  # the very same bytes again
    assert first.status_code == second.status_code == 200
    assert second.json()["duplicate"] is True
    assert ServiceEvent.unscoped.filter(kind="payment_received").count() == 1
    assert ProviderEvent.unscoped.filter(event_id=hook.event_id).count() == 1
    assert AuditEntry.objects.filter(action="payment_booked", target_id=payment.reference).count() == 1


@pytest.mark.parametrize("header", ["t=1,v1=00", "garbage", None])
def test_forged_or_missing_signature_is_refused_and_audited(world: dict[str, Any],
                                                            header: str | None) -> None:
    payment = services.create_payment(world["city"], amount_yen=300, description="x", channel="web")
    body = json.dumps({"id": "evt_forged", "type": "payment.captured", "created": int(time.time()),
                       "data": {"id": "ch_forged", "merchant": world["city"].code,
                                "reference": payment.reference, "amount_yen": 300,
                                "method": "card"}}).encode()
    if header == "t=1,v1=00":  # signed with the wrong secret, fresh time
        header = signing.header_value(body, key="not-the-shared-secret")
    response = _post(Client(), body, header)
    assert response.status_code == 400
    assert "/" in response.json()["detail"]  # 日本語 / English
    assert AuditEntry.objects.filter(action="webhook_rejected").count() == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not ProviderEvent.unscoped.exists()


def test_an_old_timestamp_is_refused(world: dict[str, Any]) -> None:
    _payment, hook = _captured(world["city"])
    old = int(time.time()) - signing.TOLERANCE_SECONDS - 5
    headers, body = sandbox_hooks.signed_request(hook, timestamp=old)
    response = _post(Client(), body, headers[signing.HEADER])
    assert response.status_code == 400 and response.json()["reason"] == "expired"
    entry = AuditEntry.objects.filter(action="webhook_rejected").get()
    assert "expired" in entry.reason


def test_tampered_body_is_refused(world: dict[str, Any]) -> None:
    _payment, hook = _captured(world["city"])
    headers, body = sandbox_hooks.signed_request(hook)
    tampered = body.replace(b'"amount_yen": 300', b'"amount_yen": 3')
    assert tampered != body
    assert _post(Client(), tampered, headers[signing.HEADER]).status_code == 400


def test_get_is_not_allowed_and_unknown_provider_is_404(db: Any) -> None:
    assert Client().get(URL).status_code == 405
    assert Client().post("/pay/webhooks/nope/", data=b"{}",
                         content_type="application/json").status_code == 404


def test_a_declined_card_leaves_the_payment_payable(world: dict[str, Any]) -> None:
    payment = services.create_payment(world["city"], amount_yen=300, description="x", channel="web")
    url = services.start_checkout(payment, "/pay/x/done/")
    checkout = acquirer.open_checkout(url.rstrip("/").rsplit("/", 1)[-1])
    acquirer.pay(checkout, "card", card_number=acquirer.DECLINED_CARD, expiry="12/99", cvc="123")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.DECLINED and payment.is_payable
    event = ServiceEvent.unscoped.get(kind="payment_declined")
    assert event.payment_method == "card"
    assert ServiceEvent.unscoped.filter(kind="payment_started").count() == 1
