"""JSON API of ``payments`` (mounted by mado.api.router at ``/api/v1/payments``).

``GET /api/v1/payments/{reference}``: one payment by its 収納番号, for the
systems around Mado (a tax system asking whether a slip was paid, a help
desk tool). Staff token only (the router's default auth); scoped to the
token's municipality, so another municipality's payment is a 404 exactly
like an unknown one. The payer's name is not returned: the status is what
these callers need.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from mado.payments import services
from mado.payments.models import Refund

router = Router(tags=["payments"])


class RefundOut(Schema):
    amount_yen: int
    reason: str
    refunded_at: dt.datetime


class PaymentOut(Schema):
    reference: str
    reference_display: str
    status: str
    status_label: str
    amount_yen: int
    method: str
    channel: str
    procedure_code: str
    paid_at: dt.datetime | None
    due_date: dt.date | None
    refunded_yen: int
    refunds: list[RefundOut]


class ErrorOut(Schema):
    detail: str
    errors: list[dict] = []


@router.get(
    "/{reference}",
    response={200: PaymentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="収納の照会 / a payment by its reference (収納番号)",
)
def get_payment(request: HttpRequest, reference: str) -> dict:
    """Status, amount, method, paid_at and refunds of one payment of the token's municipality."""
    try:
        services.validate_reference(reference[:40])
    except services.PaymentReferenceError as exc:
        raise HttpError(400, str(exc)) from exc
    payment = services.find_payment(request.municipality, reference)  # type: ignore[attr-defined]
    if payment is None:
        raise HttpError(404, "その収納番号の収納はありません / no payment with this reference")
    refunds = Refund.unscoped.filter(payment=payment).order_by("pk")
    return {
        "reference": payment.reference,
        "reference_display": services.format_reference(payment.reference),
        "status": payment.status,
        "status_label": payment.get_status_display(),
        "amount_yen": payment.amount_yen,
        "method": payment.method,
        "channel": payment.channel,
        "procedure_code": payment.procedure_code,
        "paid_at": payment.paid_at,
        "due_date": payment.due_date,
        "refunded_yen": payment.refunded_yen,
        "refunds": [{"amount_yen": r.amount_yen, "reason": r.reason, "refunded_at": r.at}
                    for r in refunds],
    }
