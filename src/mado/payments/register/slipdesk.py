"""The 納付書 desk: issue a payment slip for an expected payment, or for a fee rung up as a slip.

Why here and not in :mod:`mado.payments.slips`: the slip *document* (PDF and
QR payload) is a pure function of a Payment and lives in the payments app;
*issuing* one is a counter act — staff choose the due date, the issue is
recorded (a lost slip is issued again and the newest issue counts) and
audited. A slip is closed by the money arriving: reconciliation books the
Payment, and the slip page then shows 納付済 — nothing here changes status.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from mado.core import audit
from mado.core.models import Municipality
from mado.payments.models import Payment, PaymentChannel
from mado.payments.register.models import PaymentSlip
from mado.payments.services import (
    PaymentReferenceError,
    create_payment,
    validate_reference,
)
from mado.payments.slips import SlipError, slip_payload

__all__ = ["create_fee_slip", "find_payment", "issue_slip", "latest_slip", "recent_slips"]

MAX_SLIP_QUANTITY = 99


def find_payment(municipality: Municipality, reference: str) -> Payment | None:
    """The municipality's payment with this 収納番号 (typed with dashes or full-width digits)."""
    try:
        digits = validate_reference(reference)
    except PaymentReferenceError:
        return None
    return Payment.unscoped.filter(municipality=municipality, reference=digits).first()


def latest_slip(payment: Payment) -> PaymentSlip | None:
    return (
        PaymentSlip.unscoped.filter(municipality_id=payment.municipality_id, payment=payment)
        .order_by("-issued_at", "-pk")
        .first()
    )


def recent_slips(municipality: Municipality, limit: int = 50) -> list[PaymentSlip]:
    return list(
        PaymentSlip.unscoped.filter(municipality=municipality)
        .select_related("payment")
        .order_by("-issued_at", "-pk")[:limit]
    )


def issue_slip(payment: Payment, *, due_date: dt.date, by: Any = None) -> PaymentSlip:
    """Issue (or reissue) a 納付書 for a payment that can still be paid."""
    if not payment.is_payable:
        raise SlipError(
            f"この収納は「{payment.get_status_display()}」のため納付書を発行できません / "
            "a slip can only be issued for a payment still to be paid"
        )
    if due_date is None:
        raise SlipError("納期限を入力してください / enter the due date")
    with transaction.atomic():
        if payment.due_date != due_date:
            Payment.unscoped.filter(pk=payment.pk).update(due_date=due_date)
            payment.due_date = due_date
        slip = PaymentSlip.unscoped.create(
            municipality_id=payment.municipality_id,
            payment=payment,
            due_date=due_date,
            payload=slip_payload(payment, due_date=due_date),
            issued_by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit.record(
            "payment_slip_issued",
            user=by,
            municipality=payment.municipality,
            target_type="payment",
            target_id=payment.reference,
            detail={"due_date": due_date.isoformat(), "amount_yen": payment.amount_yen},
        )
    return slip


def create_fee_slip(
    municipality: Municipality,
    *,
    procedure_code: str,
    quantity: int,
    payer_name: str,
    due_date: dt.date,
    payer_address: str = "",
    by: Any = None,
) -> PaymentSlip:
    """A new expected payment (channel slip) for a procedure's fee × quantity, and its slip."""
    from mado.procedures.models import Procedure

    proc = Procedure.unscoped.filter(
        municipality=municipality, code=procedure_code, is_active=True, fee__gt=0
    ).first()
    if proc is None:
        raise SlipError("手数料のある手続を選んでください / choose a procedure with a fee")
    if not 1 <= int(quantity) <= MAX_SLIP_QUANTITY:
        raise SlipError("数量は1から99までです / the quantity is 1 to 99")
    if not (payer_name or "").strip():
        raise SlipError("納付者の氏名を入力してください / enter the payer's name")
    with transaction.atomic():
        payment = create_payment(
            municipality,
            amount_yen=proc.fee * int(quantity),
            description=f"{proc.name}（{quantity}件）",
            channel=PaymentChannel.SLIP,
            procedure_code=proc.code,
            payer_name=payer_name.strip(),
            due_date=due_date,
            detail={"quantity": int(quantity), "payer_address": payer_address.strip()[:200]},
        )
        return issue_slip(payment, due_date=due_date, by=by)
