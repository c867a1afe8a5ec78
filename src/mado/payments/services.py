"""Public API of ``payments``: expected payments, booking a payment once, refunds.

Other apps (the online application, the counter register, reconciliation,
payment slips, the back office) call these functions rather than the models,
so that every way money arrives books the same row the same way: the status
moves to ``paid`` exactly once (a second notice for the same payment — a
replayed webhook, a bank file imported twice — is recognised and reported,
never booked twice), a ServiceEvent records the method and channel for the
cashless-share KPI, and an audit entry records who or what booked it.

Payment references (収納番号) are 13 digits: 12 random digits and a Damm check
digit, so a mistyped digit or a swap of two neighbours is caught at the ATM
or the counter. They are random rather than sequential so that creating a
payment takes no lock (the online application must stay fast under load).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from mado.core import audit
from mado.core.models import Municipality
from mado.payments.models import (
    PAYABLE_STATUSES,
    Method,
    Payment,
    PaymentChannel,
    PaymentStatus,
)
from mado.submissions.receipts import damm_check_digit

__all__ = [
    "BookingResult",
    "PaymentError",
    "PaymentReferenceError",
    "book_payment",
    "create_payment",
    "format_reference",
    "new_reference",
    "validate_reference",
]

REFERENCE_DIGITS = 12
_NON_DIGITS = re.compile(r"[\s\-‐‑‒–—―−ー－ｰ]")


class PaymentError(ValueError):
    """A payment operation that is not allowed (message: 日本語 / English)."""


class PaymentReferenceError(ValueError):
    """A 収納番号 that is malformed or whose check digit is wrong."""


def new_reference() -> str:
    """A fresh 13-digit 収納番号 (12 random digits + Damm check digit)."""
    body = f"{secrets.randbelow(10**REFERENCE_DIGITS):0{REFERENCE_DIGITS}d}"
    return body + str(damm_check_digit(body))


def format_reference(reference: str) -> str:
    """'1234-5678-9012-3' for print: groups of four are easier to read out and type."""
    return "-".join(reference[i : i + 4] for i in range(0, len(reference), 4))


def validate_reference(text: str) -> str:
    """The canonical 13 digits of a typed reference (full-width digits and dashes allowed)."""
    from mado.core.text import normalize_width

    digits = _NON_DIGITS.sub("", normalize_width(str(text or "")))
    if not re.fullmatch(r"\d{13}", digits):
        raise PaymentReferenceError(
            "収納番号は13桁の数字です / a payment reference has 13 digits"
        )
    if damm_check_digit(digits[:-1]) != int(digits[-1]):
        raise PaymentReferenceError(
            "収納番号の確認用数字が一致しません。入力を確かめてください / "
            "the check digit of the payment reference does not match; please check it"
        )
    return digits


def create_payment(
    municipality: Municipality,
    *,
    amount_yen: int,
    description: str,
    channel: str,
    submission: Any = None,
    procedure_code: str = "",
    payer_name: str = "",
    due_date: dt.date | None = None,
    detail: dict[str, Any] | None = None,
) -> Payment:
    """Record an amount the city expects (status ``pending``) with a new reference."""
    if amount_yen is None or int(amount_yen) < 0:
        raise PaymentError("金額は0円以上です / the amount must not be negative")
    if channel not in PaymentChannel.values:
        raise PaymentError(f"経路が不正です: {channel!r} / invalid channel {channel!r}")
    if submission is not None and submission.municipality_id != municipality.pk:
        raise PaymentError("他の団体の申請です / submission of another municipality")
    if submission is not None and not procedure_code:
        procedure_code = submission.procedure.code
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Payment.unscoped.create(
                    municipality=municipality,
                    reference=new_reference(),
                    submission=submission,
                    procedure_code=procedure_code,
                    description=description[:200],
                    amount_yen=int(amount_yen),
                    channel=channel,
                    payer_name=payer_name[:200],
                    due_date=due_date,
                    detail=detail or {},
                )
        except IntegrityError:  # a reference collision (1 in 10^12 per pair): draw again
            continue
    raise PaymentError("収納番号を発行できませんでした / could not allocate a payment reference")


@dataclass(frozen=True)
class BookingResult:
    """What :func:`book_payment` did: ``booked`` False means it was already paid (not booked twice)."""

    payment: Payment
    booked: bool
    problem: str = ""  # "", "already_paid", "amount_mismatch", "not_payable"


def book_payment(
    payment: Payment,
    *,
    method: str,
    amount_yen: int,
    paid_at: dt.datetime | None = None,
    provider: str = "",
    provider_payment_id: str = "",
    source: str = "",
    by: Any = None,
) -> BookingResult:
    """Mark ``payment`` paid exactly once; a repeat or a wrong amount is reported, not booked.

    ``source`` names what booked it for the audit trail ("sandbox webhook",
    "register", "reconciliation file …"); ``by`` is the staff user, if any.
    Appends a ``payment_received`` ServiceEvent with the method.
    """
    from mado.submissions.events import record_event

    if method not in Method.values:
        raise PaymentError(f"支払方法が不正です: {method!r} / invalid method {method!r}")
    with transaction.atomic():
        locked = Payment.unscoped.select_for_update().get(pk=payment.pk)
        if locked.status == PaymentStatus.PAID:
            return BookingResult(locked, False, "already_paid")
        if locked.status not in (*PAYABLE_STATUSES, PaymentStatus.AUTHORIZED):
            return BookingResult(locked, False, "not_payable")
        if int(amount_yen) != locked.amount_yen:
            return BookingResult(locked, False, "amount_mismatch")
        locked.status = PaymentStatus.PAID
        locked.method = method
        locked.paid_at = paid_at or timezone.now()
        if provider:
            locked.provider = provider
        if provider_payment_id:
            locked.provider_payment_id = provider_payment_id
        locked.save(
            update_fields=[
                "status",
                "method",
                "paid_at",
                "provider",
                "provider_payment_id",
                "updated_at",
            ]
        )
        municipality = locked.municipality
        record_event(
            municipality,
            "payment_received",
            channel=locked.channel,
            procedure_code=locked.procedure_code,
            submission=locked.submission,
            payment_method=method,
            at=locked.paid_at,
            detail={"amount_yen": locked.amount_yen},
        )
        audit.record(
            "payment_booked",
            user=by,
            actor="" if by is not None else (source or "system")[:150],
            municipality=municipality,
            target_type="payment",
            target_id=locked.reference,
            reason=f"収納 / payment received ({source})"[:300],
            detail={"method": method, "amount_yen": locked.amount_yen, "provider": provider},
        )
    return BookingResult(locked, True)
