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
    "ensure_after_review_payment",
    "find_payment",
    "format_reference",
    "mark_unsuccessful",
    "new_reference",
    "payment_for_submission",
    "payment_summary",
    "payments_of",
    "refund_payment",
    "start_checkout",
    "sync_from_provider",
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


# -- fees and payment of an application ------------------------------------------

def find_payment(municipality: Municipality, reference: str) -> Payment | None:
    """The payment with this 収納番号 in this municipality (None for a bad or unknown number)."""
    try:
        digits = validate_reference(reference)
    except PaymentReferenceError:
        return None
    return Payment.unscoped.filter(municipality=municipality, reference=digits).first()


def payments_of(submission: Any) -> list[Payment]:
    return list(Payment.unscoped.filter(submission=submission).order_by("created_at", "pk"))


def _payment_from_quote(submission: Any, quote: Any) -> Payment | None:
    from mado.payments.fees import FeeQuote

    assert isinstance(quote, FeeQuote)
    title = submission.procedure.name
    detail = {"fee_basis": quote.basis, "timing": quote.timing,
              "receipt_number": submission.receipt_number}
    if quote.exempt:
        with transaction.atomic():
            payment = create_payment(submission.municipality, amount_yen=0,
                                     description=f"{title} 手数料（免除）", channel=PaymentChannel.WEB,
                                     submission=submission, detail=detail)
            Payment.unscoped.filter(pk=payment.pk).update(
                status=PaymentStatus.EXEMPT, exemption_reason=quote.exemption_reason[:200])
            payment.refresh_from_db()
            audit.record("payment_exempt", actor="system", municipality=submission.municipality,
                         target_type="payment", target_id=payment.reference,
                         reason=f"手数料の免除 / fee exempted: {quote.exemption_reason}"[:300])
        return payment
    if not quote.payable:
        return None
    return create_payment(submission.municipality, amount_yen=quote.amount_yen,
                          description=f"{title} 手数料", channel=PaymentChannel.WEB,
                          submission=submission, detail=detail)


def payment_for_submission(submission: Any) -> Payment | None:
    """After submitting: the fee to pay now (timing "before"), an exemption, or None.

    Idempotent: an existing payment of the submission is returned as it is.
    """
    from mado.payments.fees import quote_submission

    existing = payments_of(submission)
    if existing:
        return existing[-1]
    quote = quote_submission(submission)
    if quote.timing != "before" and not quote.exempt:
        return None
    return _payment_from_quote(submission, quote)


def ensure_after_review_payment(submission: Any) -> Payment | None:
    """事後決済: once staff approve, the fee becomes payable from /my/ (idempotent)."""
    from mado.payments.fees import quote_submission

    if submission.status not in ("approved", "completed"):
        return None
    existing = payments_of(submission)
    if existing:
        return existing[-1]
    quote = quote_submission(submission)
    if quote.timing != "after_review":
        return None
    return _payment_from_quote(submission, quote)


def payments_by_submission(submissions: list[Any]) -> dict[int, list[Payment]]:
    """The payments of several submissions in one query (for lists such as /my/)."""
    found: dict[int, list[Payment]] = {sub.pk: [] for sub in submissions}
    rows = Payment.unscoped.filter(submission_id__in=list(found)).order_by("created_at", "pk")
    for payment in rows:
        found[payment.submission_id].append(payment)
    return found


def payment_summary(submission: Any, payments: list[Payment] | None = None) -> dict[str, Any]:
    """What the back office shows on a case: fee, status, method, reference (or no fee).

    ``payments``: the submission's payments when the caller has them already
    (:func:`payments_by_submission`), oldest first.
    """
    payments = payments_of(submission) if payments is None else payments
    if not payments:
        return {"required": False, "status": "", "label": "手数料なし / no fee", "amount_yen": 0,
                "reference": "", "method": "", "paid_at": None, "waiting": False}
    p = payments[-1]
    return {
        "required": True, "status": p.status, "label": p.get_status_display(),
        "amount_yen": p.amount_yen, "reference": p.reference,
        "reference_display": format_reference(p.reference), "method": p.method,
        "method_label": p.get_method_display() if p.method else "", "paid_at": p.paid_at,
        "refunded_yen": p.refunded_yen, "waiting": p.status in PAYABLE_STATUSES,
    }


def _record_payment_event(payment: Payment, kind: str, method: str = "",
                          detail: dict[str, Any] | None = None) -> None:
    from mado.submissions.events import record_event

    record_event(payment.municipality, kind, channel=payment.channel,
                 procedure_code=payment.procedure_code, submission=payment.submission,
                 payment_method=method, detail={"amount_yen": payment.amount_yen, **(detail or {})})


def start_checkout(payment: Payment, return_url: str, provider_code: str = "") -> str:
    """Open the provider's hosted page for a payable payment; returns the URL to redirect to."""
    from mado.payments.providers import registry

    if not payment.is_payable or payment.amount_yen <= 0:
        raise PaymentError("この収納はお支払いいただけません / this payment cannot be paid")
    provider = registry.get(provider_code) if provider_code else registry.default()
    url = provider.start_checkout(payment, return_url)
    checkout_id = url.rstrip("/").rsplit("/", 1)[-1]
    detail = {**payment.detail, "checkout_id": checkout_id, "provider": provider.code}
    Payment.unscoped.filter(pk=payment.pk).update(detail=detail, provider=provider.code)
    payment.detail, payment.provider = detail, provider.code
    _record_payment_event(payment, "payment_started", detail={"provider": provider.code})
    return url


def mark_unsuccessful(payment: Payment, *, status: str, method: str, source: str,
                      reason: str = "") -> bool:
    """A declined or failed attempt: the payment stays payable; returns False if it was paid."""
    if status not in (PaymentStatus.DECLINED, PaymentStatus.FAILED):
        raise PaymentError(f"状態が不正です: {status!r} / invalid status {status!r}")
    with transaction.atomic():
        locked = Payment.unscoped.select_for_update().get(pk=payment.pk)
        if locked.status not in PAYABLE_STATUSES:
            return False
        locked.status = status
        locked.detail = {**locked.detail, "last_error": reason}
        locked.save(update_fields=["status", "detail", "updated_at"])
        kind = "payment_declined" if status == PaymentStatus.DECLINED else "payment_failed"
        _record_payment_event(locked, kind, method if method in Method.values else "",
                              {"reason": reason, "source": source})
    return True


def sync_from_provider(payment: Payment) -> Payment:
    """Ask the provider (server to server) about the last checkout and book what it says.

    The return URL only tells that the resident came back; this call, like the
    webhook, is what may book money.
    """
    from mado.payments.providers import registry
    from mado.payments.providers.base import ProviderError

    checkout_id = str(payment.detail.get("checkout_id", ""))
    if payment.status != PaymentStatus.PENDING or not checkout_id or not payment.provider:
        return payment
    try:
        answer = registry.get(payment.provider).retrieve(checkout_id)
    except ProviderError:
        return payment
    if answer.status == "captured" and answer.reference == payment.reference:
        book_payment(payment, method=answer.method, amount_yen=answer.amount_yen,
                     provider=payment.provider, provider_payment_id=answer.provider_payment_id,
                     source=f"{payment.provider} retrieve")
    elif answer.status in ("declined", "failed"):
        mark_unsuccessful(payment, status=answer.status, method=answer.method,
                          source=f"{payment.provider} retrieve")
    payment.refresh_from_db()
    return payment


def refund_payment(payment: Payment, *, amount_yen: int, reason: str, by: Any) -> Any:
    """還付: return money on a paid payment with a reason (staff); the provider refunds online ones.

    The payment becomes ``refunded`` once the whole amount is returned.
    """
    from mado.payments.models import Refund
    from mado.payments.providers import registry
    from mado.payments.providers.base import ProviderError

    reason = (reason or "").strip()
    if not reason:
        raise PaymentError("還付の理由を入力してください / enter the reason for the refund")
    try:
        amount = int(amount_yen)
    except (TypeError, ValueError) as exc:
        raise PaymentError("還付額は数字で入力してください / the amount must be a number") from exc
    with transaction.atomic():
        locked = Payment.unscoped.select_for_update().get(pk=payment.pk)
        if locked.status != PaymentStatus.PAID:
            raise PaymentError("納付済の収納だけ還付できます / only a paid payment can be refunded")
        if amount <= 0 or amount > locked.amount_yen - locked.refunded_yen:
            raise PaymentError(
                f"還付額は1円から{locked.amount_yen - locked.refunded_yen:,}円までです / "
                "the refund must be between 1 yen and the amount not yet refunded")
        provider_refund_id = ""
        if locked.provider and locked.provider_payment_id:
            try:
                provider_refund_id = registry.get(locked.provider).refund(
                    locked.provider_payment_id, amount, reason).provider_refund_id
            except ProviderError as exc:
                raise PaymentError(f"決済事業者が返金を受け付けませんでした: {exc}") from exc
        refund = Refund.unscoped.create(municipality=locked.municipality, payment=locked,
                                        amount_yen=amount, reason=reason[:300],
                                        provider_refund_id=provider_refund_id,
                                        refunded_by=by if getattr(by, "pk", None) else None)
        if provider_refund_id:  # an in-process provider may have confirmed it already
            from mado.payments.models import ProviderEvent

            if ProviderEvent.unscoped.filter(kind="refund.succeeded",
                                             payload__refund_id=provider_refund_id).exists():
                Refund.unscoped.filter(pk=refund.pk).update(confirmed_at=timezone.now())
        locked.refunded_yen += amount
        if locked.refunded_yen >= locked.amount_yen:
            locked.status = PaymentStatus.REFUNDED
        locked.save(update_fields=["refunded_yen", "status", "updated_at"])
        _record_payment_event(locked, "payment_refunded", locked.method, {"refund_yen": amount})
        audit.record("payment_refunded", user=by, municipality=locked.municipality,
                     target_type="payment", target_id=locked.reference,
                     reason=f"還付 / refund: {reason}"[:300],
                     detail={"amount_yen": amount, "provider_refund_id": provider_refund_id})
    payment.refresh_from_db()
    return refund
