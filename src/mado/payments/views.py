"""Resident payment pages at /pay/: pay a fee by its 収納番号, and see the result.

Why the page is found by the reference alone (no sign-in): a 収納番号 is what a
payment slip carries and what anyone paying a bill types at a bank, so knowing
it is enough to *pay* — the page shows only the description and the amount,
never personal data. Returning from the provider never books money (the
return URL could be forged); the result page shows 確認中 until the signed
webhook, or a server-to-server ``retrieve``, has confirmed it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mado.payments import services
from mado.payments.models import Payment, PaymentStatus
from mado.payments.providers.base import ProviderError


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/not_found.html", {
        "message": _("この収納番号のお支払いは見つかりませんでした。番号をお確かめください"
                     " / No payment was found for this payment number."),
    }, status=404)


def _payment(request: HttpRequest, reference: str) -> Payment | None:
    municipality = getattr(request, "municipality", None)
    if municipality is None:
        return None
    return services.find_payment(municipality, reference)


def _context(payment: Payment) -> dict:
    sub = payment.submission
    return {
        "payment": payment, "reference": services.format_reference(payment.reference),
        "receipt_number": sub.receipt_number if sub is not None else "",
        "payable": payment.is_payable and payment.amount_yen > 0,
        "paid": payment.status == PaymentStatus.PAID,
    }


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: what is to be paid; POST: open the provider's hosted payment page."""
    payment = _payment(request, reference)
    if payment is None:
        return _not_found(request)
    if payment.reference != reference:
        return redirect("pay:pay", payment.reference)
    context = _context(payment)
    if request.method == "POST":
        if not context["payable"]:
            context["error"] = _("このお支払いは手続済みです / This payment is already settled.")
            return render(request, "payments/pay.html", context, status=409)
        try:
            url = services.start_checkout(payment, reverse("pay:done", args=[payment.reference]))
        except (services.PaymentError, ProviderError) as exc:
            context["error"] = str(exc)
            return render(request, "payments/pay.html", context, status=503)
        return redirect(url)
    return render(request, "payments/pay.html", context)


def done(request: HttpRequest, reference: str) -> HttpResponse:
    """Back from the provider: the confirmed result (or 確認中), never booked from the URL."""
    payment = _payment(request, reference)
    if payment is None:
        return _not_found(request)
    payment = services.sync_from_provider(payment)
    context = _context(payment)
    context["pending"] = payment.status == PaymentStatus.PENDING
    context["declined"] = payment.status == PaymentStatus.DECLINED
    context["failed"] = payment.status == PaymentStatus.FAILED
    return render(request, "payments/done.html", context)
