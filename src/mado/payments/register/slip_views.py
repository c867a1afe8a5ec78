"""納付書 pages under /staff/payments/slips/: issue a slip, see whether it was paid, download the PDF.

Why the slip page shows the payment's live status: staff answering "did my
payment arrive?" look the slip up by its 収納番号; once reconciliation has
booked the payment the page shows 納付済 and no longer offers to reissue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mado.core.text import parse_date
from mado.payments import slips
from mado.payments.models import Payment
from mado.payments.register import services
from mado.payments.register.views import register_staff
from mado.payments.services import format_reference

DEFAULT_DUE_DAYS = 14


def _due(text: str) -> dt.date:
    try:
        value = parse_date(text)
    except ValueError:
        raise slips.SlipError(
            "納期限を日付で入力してください（例: 2026-04-30 / 令和8年4月30日） / enter the due date"
        ) from None
    if value < timezone.localdate():
        raise slips.SlipError("納期限が過去の日付です / the due date is in the past")
    return value


def _payment(request: HttpRequest, reference: str) -> Payment:
    payment = services.find_payment(request.municipality, reference)
    if payment is None:
        raise Http404(_("その収納番号はありません / No such payment reference."))
    return payment


def _list_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    default_due = timezone.localdate() + dt.timedelta(days=DEFAULT_DUE_DAYS)
    context = {
        "items": services.fee_items(request.municipality),
        "slips": services.recent_slips(request.municipality),
        "values": {"due_date": default_due.isoformat(), "quantity": "1"},
        "errors": [],
    }
    context.update(extra)
    return context


@register_staff
def slip_list(request: HttpRequest) -> HttpResponse:
    """Recent slips; a form to find a payment by reference and one to create a fee slip."""
    ref = request.GET.get("reference", "").strip()
    if ref:
        payment = services.find_payment(request.municipality, ref)
        if payment is not None:
            return redirect("payments:slip_detail", reference=payment.reference)
        context = _list_context(request, reference=ref, lookup_error=_(
            "その収納番号は見つかりません（13桁・確認用数字も確かめてください） / "
            "no payment with that reference"))  # fmt: skip
        return render(request, "register/slips.html", context, status=404)
    return render(request, "register/slips.html", _list_context(request))


@register_staff
@require_POST
def slip_new(request: HttpRequest) -> HttpResponse:
    values = {k: request.POST.get(k, "") for k in
              ("procedure", "quantity", "payer_name", "payer_address", "due_date")}  # fmt: skip
    try:
        quantity_text = values["quantity"].strip() or "0"
        if not quantity_text.isdigit():
            raise slips.SlipError("数量は数字で入力してください / the quantity is a number")
        slip = services.create_fee_slip(
            request.municipality,
            procedure_code=values["procedure"],
            quantity=int(quantity_text),
            payer_name=values["payer_name"],
            payer_address=values["payer_address"],
            due_date=_due(values["due_date"]),
            by=request.user,
        )
    except slips.SlipError as exc:
        context = _list_context(request, values=values, errors=[{"message": str(exc)}])
        return render(request, "register/slips.html", context, status=400)
    messages.success(request, _("納付書を発行しました / The payment slip was issued."))
    return redirect("payments:slip_detail", reference=slip.payment.reference)


@register_staff
@require_http_methods(["GET", "POST"])
def slip_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """One payment's slip: status (納付済 once booked), issue or reissue, PDF link."""
    payment = _payment(request, reference)
    slip = services.latest_slip(payment)
    default_due = payment.due_date or timezone.localdate() + dt.timedelta(days=DEFAULT_DUE_DAYS)
    context: dict[str, Any] = {
        "payment": payment,
        "formatted_reference": format_reference(payment.reference),
        "slip": slip,
        "due_value": default_due.isoformat(),
        "errors": [],
    }
    if request.method == "POST":
        try:
            services.issue_slip(payment, due_date=_due(request.POST.get("due_date", "")),
                                by=request.user)  # fmt: skip
        except slips.SlipError as exc:
            context.update(errors=[{"message": str(exc), "target": "due_date"}],
                           due_value=request.POST.get("due_date", ""))  # fmt: skip
            return render(request, "register/slip_detail.html", context, status=400)
        messages.success(request, _("納付書を発行しました / The payment slip was issued."))
        return redirect("payments:slip_detail", reference=payment.reference)
    return render(request, "register/slip_detail.html", context)


@register_staff
def slip_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _payment(request, reference)
    slip = services.latest_slip(payment)
    if slip is None:
        raise Http404(_("納付書が発行されていません / No slip has been issued."))
    body = slips.slip_pdf(payment, due_date=slip.due_date, issued_on=slip.issued_at.date())
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="nofusho-{payment.reference}.pdf"'
    return response
