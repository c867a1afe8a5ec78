"""The sandbox acquirer's rules: hosted checkouts, card checks, authorisation and capture, refunds.

Why a simulator that enforces rules instead of a stub (DESIGN §3): the city's
code must meet the failures a real acquirer produces — a declined card, a
processing timeout, an expired checkout, an authorisation that lapsed, a
capture larger than what was authorised, a refund larger than what was taken
— or it will meet them first in production. Test cards (docs/payments.md):

* ``4242 4242 4242 4242`` approves;
* ``4000 0000 0000 0002`` is declined (残高不足 / insufficient funds);
* ``4000 0000 0000 0119`` times out (processing error → the city marks the
  payment failed; the resident may retry);
* any other number passing the Luhn check approves.

E-money, QR code payment and Pay-easy (bank) are approved (the resident
confirms in their app or bank in real life; the sandbox page stands in).
Every outcome is sent to the city as a signed webhook (:mod:`.webhooks`).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from mado.payments.providers.contrib.sandbox.models import (
    ChargeStatus,
    CheckoutStatus,
    SandboxCharge,
    SandboxCheckout,
    SandboxRefund,
)

CHECKOUT_TTL = dt.timedelta(minutes=30)
AUTHORIZATION_TTL = dt.timedelta(days=7)
METHODS = ("card", "emoney", "qr", "bank")
DECLINED_CARD = "4000000000000002"
TIMEOUT_CARD = "4000000000000119"
APPROVED_CARD = "4242424242424242"


class SandboxError(ValueError):
    """Something the acquirer refuses (message: 日本語 / English); ``code`` for programs."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def create_checkout(*, merchant: str, merchant_name: str, reference: str, description: str,
                    amount_yen: int, return_url: str) -> SandboxCheckout:
    if amount_yen <= 0:
        raise SandboxError("invalid_amount", "金額は1円以上です / the amount must be at least 1 yen")
    now = timezone.now()
    return SandboxCheckout.objects.create(
        checkout_id=new_id("cs"), merchant=merchant, merchant_name=merchant_name[:200],
        reference=reference, description=description[:200], amount_yen=amount_yen,
        return_url=return_url[:500], created_at=now, expires_at=now + CHECKOUT_TTL)


def open_checkout(checkout_id: str) -> SandboxCheckout:
    """The checkout, if it may still be paid; SandboxError not_found/expired/closed otherwise."""
    checkout = SandboxCheckout.objects.filter(checkout_id=checkout_id).first()
    if checkout is None:
        raise SandboxError("not_found", "この決済画面は見つかりません / checkout not found")
    if checkout.status == CheckoutStatus.OPEN and checkout.expires_at <= timezone.now():
        checkout.status = CheckoutStatus.EXPIRED
        checkout.save(update_fields=["status"])
    if checkout.status == CheckoutStatus.EXPIRED:
        raise SandboxError("expired", "決済画面の有効期限（30分）が切れました / this checkout has expired")
    if checkout.status != CheckoutStatus.OPEN:
        raise SandboxError("closed", "この決済画面は使用済みです / this checkout is closed")
    return checkout


# -- card checks ------------------------------------------------------------

def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def clean_card_number(text: str) -> str:
    from mado.core.text import normalize_width

    return re.sub(r"[\s\-]", "", normalize_width(text or ""))


def validate_card(number: str, expiry: str, cvc: str,
                  today: dt.date | None = None) -> tuple[str, dict[str, str]]:
    """(clean number, errors by field) — errors in 日本語 / English."""
    from mado.core.text import normalize_width

    errors: dict[str, str] = {}
    digits = clean_card_number(number)
    if not re.fullmatch(r"\d{13,19}", digits):
        errors["card_number"] = "カード番号は13〜19桁の数字です / a card number has 13-19 digits"
    elif not luhn_ok(digits):
        errors["card_number"] = "カード番号が正しくありません / the card number is not valid"
    m = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", normalize_width(expiry or ""))
    if not m or not 1 <= int(m.group(1)) <= 12:
        errors["expiry"] = "有効期限は「月/年」（例 12/30）で入力してください / enter the expiry as MM/YY"
    else:
        year = int(m.group(2))
        year = year + 2000 if year < 100 else year
        month = int(m.group(1))
        last_day = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
        if last_day < (today or timezone.localdate()):
            errors["expiry"] = "有効期限が切れています / the card has expired"
    if not re.fullmatch(r"\d{3,4}", normalize_width(cvc or "").strip()):
        errors["cvc"] = "セキュリティコードは3〜4桁の数字です / the security code has 3-4 digits"
    return digits, errors


# -- charges -------------------------------------------------------------------

@dataclass
class Outcome:
    """What one attempt on the hosted page gave: a charge, or field errors (nothing charged)."""

    charge: SandboxCharge | None = None
    errors: dict[str, str] = field(default_factory=dict)


def authorize(checkout: SandboxCheckout, method: str, card_number: str = "") -> SandboxCharge:
    """Create a charge: authorised, declined or failed (a timeout) depending on the card."""
    if method not in METHODS:
        raise SandboxError("invalid_method", "支払方法が不正です / invalid method")
    now = timezone.now()
    charge = SandboxCharge(
        charge_id=new_id("ch"), checkout=checkout, merchant=checkout.merchant,
        reference=checkout.reference, method=method, amount_yen=checkout.amount_yen,
        card_last4=card_number[-4:] if method == "card" else "", created_at=now)
    if method == "card" and card_number == DECLINED_CARD:
        charge.status, charge.decline_code = ChargeStatus.DECLINED, "insufficient_funds"
    elif method == "card" and card_number == TIMEOUT_CARD:
        charge.status, charge.decline_code = ChargeStatus.FAILED, "processing_error"
    else:
        charge.status = ChargeStatus.AUTHORIZED
        charge.authorized_yen = checkout.amount_yen
        charge.authorized_at = now
        charge.auth_expires_at = now + AUTHORIZATION_TTL
    charge.save()
    return charge


def capture(charge: SandboxCharge, amount_yen: int | None = None) -> SandboxCharge:
    """Capture an authorisation (売上確定); refuses more than authorised or a lapsed one."""
    lapsed = SandboxCharge.objects.filter(pk=charge.pk, status=ChargeStatus.AUTHORIZED,
                                          auth_expires_at__lte=timezone.now())
    if lapsed.update(status=ChargeStatus.VOIDED):
        raise SandboxError("authorization_expired",
                           "与信の有効期限が切れています / the authorisation has expired")
    with transaction.atomic():
        locked = SandboxCharge.objects.select_for_update().get(pk=charge.pk)
        amount = locked.authorized_yen if amount_yen is None else int(amount_yen)
        if locked.status != ChargeStatus.AUTHORIZED:
            raise SandboxError("not_authorized",
                               "与信されていない取引は売上確定できません / charge is not authorised")
        if amount <= 0 or amount > locked.authorized_yen:
            raise SandboxError("amount_too_large",
                               "与信額を超えて売上確定できません / cannot capture more than authorised")
        locked.status = ChargeStatus.CAPTURED
        locked.captured_yen = amount
        locked.captured_at = timezone.now()
        locked.save(update_fields=["status", "captured_yen", "captured_at"])
    return locked


def pay(checkout: SandboxCheckout, method: str, *, card_number: str = "", expiry: str = "",
        cvc: str = "") -> Outcome:
    """One attempt on the hosted page: validate, authorise, capture, notify the city."""
    from mado.payments.providers.contrib.sandbox import webhooks

    if method not in METHODS:
        return Outcome(errors={"method": "支払方法を選んでください / choose a payment method"})
    digits = ""
    if method == "card":
        digits, errors = validate_card(card_number, expiry, cvc)
        if errors:
            return Outcome(errors=errors)
    with transaction.atomic():
        locked = SandboxCheckout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status != CheckoutStatus.OPEN:
            raise SandboxError("closed", "この決済画面は使用済みです / this checkout is closed")
        charge = authorize(locked, method, digits)
        if charge.status == ChargeStatus.AUTHORIZED:
            charge = capture(charge)
        locked.status = CheckoutStatus.COMPLETED
        locked.save(update_fields=["status"])
    kind = {ChargeStatus.CAPTURED: "payment.captured", ChargeStatus.DECLINED: "payment.declined",
            ChargeStatus.FAILED: "payment.failed"}[charge.status]
    webhooks.send(kind, webhooks.charge_object(charge))
    return Outcome(charge=charge)


def refund(charge_id: str, amount_yen: int) -> SandboxRefund:
    """Refund part or all of a captured charge; sends ``refund.succeeded``."""
    from mado.payments.providers.contrib.sandbox import webhooks

    with transaction.atomic():
        charge = SandboxCharge.objects.select_for_update().filter(charge_id=charge_id).first()
        if charge is None or charge.status != ChargeStatus.CAPTURED:
            raise SandboxError("not_captured",
                               "売上確定していない取引は返金できません / charge is not captured")
        if amount_yen <= 0 or amount_yen > charge.captured_yen - charge.refunded_yen:
            raise SandboxError("amount_too_large",
                               "返金額が取引の残額を超えています / refund exceeds the captured amount")
        charge.refunded_yen += amount_yen
        charge.save(update_fields=["refunded_yen"])
        row = SandboxRefund.objects.create(refund_id=new_id("re"), charge=charge,
                                           amount_yen=amount_yen)
    webhooks.send("refund.succeeded", {**webhooks.charge_object(charge), "refund_id": row.refund_id,
                                       "amount_yen": amount_yen})
    return row
