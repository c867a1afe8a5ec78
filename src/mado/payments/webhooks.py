"""The city's webhook endpoint: trust a provider's notice only if it is signed, fresh and new.

Why every check is here and not in the view: the sandbox delivers in-process
by calling :func:`receive` with the raw bytes and headers, exactly what an
HTTP POST to ``/pay/webhooks/<provider>/`` brings, so both paths run the same
code. Order of checks: the provider's signature (constant-time HMAC) and age
(5 minutes: an old capture cannot be replayed), then idempotency by event id
(:class:`ProviderEvent` is unique per provider and event: a redelivered or
replayed event books nothing), then the payment is booked through
:func:`~mado.payments.services.book_payment` (which itself refuses to book a
payment twice). A rejected webhook answers 400 with a bilingual JSON detail
and leaves an audit entry ``webhook_rejected``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mado.core import audit
from mado.payments import services
from mado.payments.models import Payment, PaymentStatus, ProviderEvent, Refund
from mado.payments.providers import registry
from mado.payments.providers.base import ProviderError, WebhookEvent, WebhookRejected

MAX_BODY = 64 * 1024


def _reject(provider: str, reason: str, message: str, status: int = 400,
            municipality: Any = None, detail: dict[str, Any] | None = None) -> tuple[int, dict]:
    audit.record("webhook_rejected", actor=f"webhook:{provider}"[:150], municipality=municipality,
                 target_type="webhook", target_id=provider[:100],
                 reason=f"{reason}: {message}"[:300], detail=detail or {})
    return status, {"detail": message, "reason": reason}


def receive(provider_code: str, headers: Mapping[str, str], body: bytes) -> tuple[int, dict]:
    """Handle one webhook delivery; returns (HTTP status, JSON payload). Never raises for bad input."""
    try:
        provider = registry.get(provider_code)
    except ProviderError:
        return 404, {"detail": "決済事業者が見つかりません / unknown payment provider"}
    if len(body) > MAX_BODY:
        return _reject(provider_code, "too_large", "通知が大きすぎます / webhook body too large")
    try:
        event = provider.verify_webhook(headers, body)
    except WebhookRejected as exc:
        return _reject(provider_code, exc.reason, str(exc))
    payment = (Payment.unscoped.select_related("municipality")
               .filter(municipality__code=event.merchant, reference=event.reference).first())
    if payment is None:
        return _reject(provider_code, "unknown_payment",
                       "該当する収納がありません / no payment with this reference",
                       status=404, detail={"event_id": event.event_id})
    try:
        with transaction.atomic():
            ProviderEvent.unscoped.create(
                municipality=payment.municipality, provider=provider_code,
                event_id=event.event_id, kind=event.kind, payment=payment,
                payload={"provider_payment_id": event.provider_payment_id,
                         "amount_yen": event.amount_yen, "method": event.method,
                         "created": event.created, **event.detail})
            outcome = _apply(provider_code, event, payment)
    except IntegrityError:
        return 200, {"detail": "受信済みの通知です / duplicate event, already processed",
                     "duplicate": True}
    return 200, {"detail": "ok", "outcome": outcome}


def _apply(provider_code: str, event: WebhookEvent, payment: Payment) -> str:
    source = f"{provider_code} webhook {event.event_id}"
    if event.kind == "payment.captured":
        result = services.book_payment(
            payment, method=event.method, amount_yen=event.amount_yen, provider=provider_code,
            provider_payment_id=event.provider_payment_id, source=source)
        if result.problem == "amount_mismatch":
            audit.record("payment_amount_mismatch", actor=source[:150],
                         municipality=payment.municipality, target_type="payment",
                         target_id=payment.reference,
                         reason="決済額が収納額と一致しません / captured amount differs",
                         detail={"captured": event.amount_yen, "expected": payment.amount_yen})
        return "booked" if result.booked else result.problem
    if event.kind in ("payment.declined", "payment.failed"):
        status = PaymentStatus.DECLINED if event.kind == "payment.declined" else PaymentStatus.FAILED
        changed = services.mark_unsuccessful(payment, status=status, method=event.method,
                                             source=source,
                                             reason=str(event.detail.get("decline_code", "")))
        return status if changed else "ignored"
    if event.kind == "refund.succeeded":
        refund_id = str(event.detail.get("refund_id", ""))
        n = Refund.unscoped.filter(payment=payment, provider_refund_id=refund_id,
                                   confirmed_at__isnull=True).update(confirmed_at=timezone.now())
        return "refund_confirmed" if n else "refund_noted"
    return "ignored"


@csrf_exempt
@require_http_methods(["POST"])
def webhook_view(request: HttpRequest, provider: str) -> JsonResponse:
    """POST /pay/webhooks/<provider>/ — the provider's server calls this, never a browser."""
    status, payload = receive(provider, dict(request.headers), request.body)
    return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})


def parse_body(body: bytes) -> dict[str, Any]:
    """The JSON of a webhook body (for tests and the admin); {} when it is not JSON."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}
