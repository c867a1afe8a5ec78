"""The sandbox adapter of the payment provider port: the city's side of the sandbox acquirer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from mado.payments.providers.base import (
    CheckResult,
    PaymentProvider,
    ProviderError,
    ProviderPayment,
    ProviderRefund,
    WebhookEvent,
    WebhookRejected,
)
from mado.payments.providers.contrib.sandbox import acquirer, signing
from mado.payments.providers.contrib.sandbox.models import SandboxCharge, SandboxCheckout
from mado.payments.providers.registry import register


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return ""


@register
class SandboxProvider(PaymentProvider):
    code = "sandbox"
    name = "サンドボックス決済（テスト環境）"

    def start_checkout(self, payment: Any, return_url: str) -> str:
        try:
            checkout = acquirer.create_checkout(
                merchant=payment.municipality.code, merchant_name=payment.municipality.name,
                reference=payment.reference, description=payment.description,
                amount_yen=payment.amount_yen, return_url=return_url)
        except acquirer.SandboxError as exc:
            raise ProviderError(str(exc)) from exc
        return reverse("sandbox:checkout", args=[checkout.checkout_id])

    def retrieve(self, provider_payment_id: str) -> ProviderPayment:
        charge = None
        if provider_payment_id.startswith("cs_"):
            checkout = SandboxCheckout.objects.filter(checkout_id=provider_payment_id).first()
            if checkout is None:
                raise ProviderError("取引が見つかりません / unknown checkout")
            charge = checkout.charges.order_by("-created_at", "-pk").first()
            if charge is None:
                try:
                    acquirer.open_checkout(provider_payment_id)
                except acquirer.SandboxError as exc:
                    return ProviderPayment(exc.code, reference=checkout.reference,
                                           amount_yen=checkout.amount_yen)
                return ProviderPayment("open", reference=checkout.reference,
                                       amount_yen=checkout.amount_yen)
        else:
            charge = SandboxCharge.objects.filter(charge_id=provider_payment_id).first()
            if charge is None:
                raise ProviderError("取引が見つかりません / unknown charge")
        return ProviderPayment(str(charge.status), charge.charge_id,
                               charge.captured_yen or charge.amount_yen, charge.method,
                               charge.reference)

    def refund(self, provider_payment_id: str, amount_yen: int, reason: str) -> ProviderRefund:
        try:
            row = acquirer.refund(provider_payment_id, int(amount_yen))
        except acquirer.SandboxError as exc:
            raise ProviderError(str(exc)) from exc
        return ProviderRefund(row.refund_id, row.amount_yen)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        value = _header(headers, signing.HEADER)
        if not value:
            raise WebhookRejected("missing_signature",
                                  "署名がありません / the Mado-Signature header is missing")
        try:
            signing.verify(value, body)
        except ValueError as exc:
            reason = str(exc)
            if reason == "expired":
                raise WebhookRejected("expired", "通知の時刻が古すぎます（5分以上前） / "
                                                 "the webhook timestamp is too old") from exc
            raise WebhookRejected("bad_signature" if reason == "bad" else "malformed",
                                  "署名が一致しません / the webhook signature does not match") from exc
        try:
            data = json.loads(body.decode("utf-8"))
            obj = data["data"]
            return WebhookEvent(
                event_id=str(data["id"]), kind=str(data["type"]),
                provider_payment_id=str(obj["id"]), reference=str(obj["reference"]),
                merchant=str(obj["merchant"]), amount_yen=int(obj["amount_yen"]),
                method=str(obj.get("method", "")), created=int(data.get("created", 0)),
                detail={k: obj[k] for k in ("checkout", "decline_code", "refund_id", "status")
                        if k in obj})
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise WebhookRejected("malformed", "通知の形式が正しくありません / malformed webhook body") from exc

    def check(self) -> CheckResult:
        messages = []
        if signing.secret() == signing.DEV_SECRET:
            messages.append("開発用の署名鍵を使っています（MADO_SANDBOX_WEBHOOK_SECRET） / "
                            "the development webhook secret is in use")
        try:
            SandboxCheckout.objects.exists()
        except Exception as exc:
            return CheckResult(False, [f"台帳を読めません / ledger not readable: {exc}"])
        return CheckResult(True, messages or ["利用できます / ready"])

