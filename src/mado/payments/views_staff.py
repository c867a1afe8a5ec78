"""Staff payment pages: the municipality's payments, one payment's history, and refunds (還付).

Tenant scoping: every query filters by the staff member's municipality, so a
テスト町 account can never open a サンプル市 payment (404, as if it did not
exist). Refunds move money back and need a reason and the 決裁/所属長 role.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mado.core.models import Role
from mado.core.services import has_role
from mado.payments import services
from mado.payments.models import Payment, PaymentStatus
from mado.staff.views import forbidden, staff_required

REFUND_ROLES = (Role.MANAGER, Role.APPROVER)


@never_cache
@staff_required
def payment_list(request: HttpRequest) -> HttpResponse:
    qs = Payment.unscoped.filter(municipality=request.municipality)  # type: ignore[attr-defined]
    status = request.GET.get("status", "")
    if status in PaymentStatus.values:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        try:
            qs = qs.filter(reference=services.validate_reference(q))
        except services.PaymentReferenceError:
            qs = qs.filter(description__icontains=q[:100])
    page = Paginator(qs.select_related("submission").order_by("-created_at", "-pk"), 50)
    return render(request, "payments/staff/list.html", {
        "page": page.get_page(request.GET.get("page")), "status": status, "q": q,
        "statuses": PaymentStatus.choices,
    })


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def payment_detail(request: HttpRequest, reference: str) -> HttpResponse:
    payment = services.find_payment(request.municipality, reference)  # type: ignore[attr-defined]
    if payment is None:
        return render(request, "payments/staff/missing.html", status=404)
    error = ""
    values = {"amount_yen": str(payment.amount_yen - payment.refunded_yen), "reason": ""}
    can_refund = has_role(request.user, *REFUND_ROLES)
    if request.method == "POST":
        if not can_refund:
            return forbidden(request, _("還付には決裁者または所属長の権限が必要です"
                                        " / Refunds need the approver or manager role."))
        values = {"amount_yen": request.POST.get("amount_yen", "")[:12],
                  "reason": request.POST.get("reason", "")[:300]}
        try:
            services.refund_payment(payment, amount_yen=values["amount_yen"],
                                    reason=values["reason"], by=request.user)
        except services.PaymentError as exc:
            error = str(exc)
        else:
            messages.success(request, _("還付を記録しました / The refund was recorded."))
            return redirect("payments:payment_detail", payment.reference)
    return render(request, "payments/staff/detail.html", {
        "payment": payment, "reference": services.format_reference(payment.reference),
        "refunds": list(payment.refunds.all()), "events": list(payment.provider_events.all()),
        "can_refund": can_refund and payment.status == PaymentStatus.PAID,
        "error": error, "values": values,
    }, status=400 if error else 200)
