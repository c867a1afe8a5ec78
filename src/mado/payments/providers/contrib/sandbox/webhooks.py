"""The sandbox's outgoing webhooks: signed JSON, delivered in-process or over HTTP, redeliverable.

Why in-process delivery passes *bytes and headers*: the city's handler
(:func:`mado.payments.webhooks.receive`) must see exactly what an HTTP POST
would bring — the raw body and the ``Mado-Signature`` header — so that the
signature check, the replay window and idempotency are exercised on every
demo payment, not only in tests. With ``settings.MADO_SANDBOX_WEBHOOK_URL``
set, the sandbox POSTs to that URL instead (e.g. another deployment).
Each send is kept (:class:`SandboxWebhook`) so it can be redelivered, as
acquirers do after a timeout; a redelivery is re-signed with a fresh time.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from typing import Any

from django.conf import settings

from mado.payments.providers.contrib.sandbox import signing
from mado.payments.providers.contrib.sandbox.acquirer import new_id
from mado.payments.providers.contrib.sandbox.models import SandboxCharge, SandboxWebhook

log = logging.getLogger(__name__)


def charge_object(charge: SandboxCharge) -> dict[str, Any]:
    return {
        "id": charge.charge_id,
        "checkout": charge.checkout.checkout_id if charge.checkout_id else "",
        "merchant": charge.merchant,
        "reference": charge.reference,
        "amount_yen": charge.captured_yen or charge.amount_yen,
        "method": charge.method,
        "status": charge.status,
        "decline_code": charge.decline_code,
    }


def send(kind: str, obj: dict[str, Any]) -> SandboxWebhook:
    body = json.dumps({"id": new_id("evt"), "type": kind, "created": int(time.time()),
                       "data": obj}, ensure_ascii=False, sort_keys=True)
    hook = SandboxWebhook.objects.create(event_id=json.loads(body)["id"], kind=kind, body=body)
    deliver(hook)
    return hook


def signed_request(hook: SandboxWebhook, timestamp: int | None = None) -> tuple[dict[str, str], bytes]:
    """(headers, body) exactly as the sandbox would POST them."""
    body = hook.body.encode("utf-8")
    return ({signing.HEADER: signing.header_value(body, timestamp),
             "Content-Type": "application/json"}, body)


def deliver(hook: SandboxWebhook) -> int:
    """Send one webhook; returns the HTTP status the city answered (0: not reachable)."""
    headers, body = signed_request(hook)
    url = str(getattr(settings, "MADO_SANDBOX_WEBHOOK_URL", "") or "")
    if url:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = int(exc.code)
        except OSError as exc:
            log.warning("sandbox webhook %s not delivered: %s", hook.event_id, exc)
            status = 0
    else:
        from mado.payments import webhooks as city

        status, _payload = city.receive("sandbox", headers, body)
    SandboxWebhook.objects.filter(pk=hook.pk).update(attempts=hook.attempts + 1,
                                                     last_status=status)
    hook.attempts += 1
    hook.last_status = status
    return status


def redeliver(event_id: str) -> int:
    """Send a webhook again (same event id and body, fresh signature)."""
    return deliver(SandboxWebhook.objects.get(event_id=event_id))
