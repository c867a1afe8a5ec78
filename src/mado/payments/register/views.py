"""Register pages under /staff/payments/: ring up, receipt, cancel, daily sheet, close.

Why plain server-rendered forms: the register runs on a counter PC or a
tablet that may not allow scripts, and the cashier works by keyboard — one
form, the quantities in catalogue order, the method, the cash tendered and
one submit button, so Enter completes the sale. Every form carries a token
(see services.ring_up) so a double click or a resubmit never rings twice; a
mistake re-renders the form with status 400, everything typed kept and an
error summary linking to the field. Success redirects (PRG) to the receipt.

Who: staff with the role counter or manager in a department operate that
department's register; everything else is a 403, another municipality's
rows a 404 (they are looked up within the signed-in member's municipality).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mado.core.models import Department
from mado.core.text import normalize_width
from mado.payments.models import Method
from mado.payments.register import pdf, services
from mado.payments.register.models import RegisterDay, RegisterTransaction
from mado.staff.views import forbidden, staff_required

View = Callable[..., HttpResponse]


def register_staff(view: View) -> View:
    """Signed-in staff holding the role counter or manager in at least one department."""

    @staff_required
    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        departments = services.register_departments(request.user)
        if not departments:
            return forbidden(
                request,
                _(
                    "レジを使うには窓口または所属長の役割が必要です"
                    " / The register needs the counter or manager role."
                ),
            )
        request.register_departments = departments  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def parse_yen(text: Any) -> int | None:
    """'1,000' '１０００' '¥1000' → 1000; '' → None; anything else raises ValueError."""
    cleaned = normalize_width(str(text or "")).replace(",", "").replace("¥", "").replace("円", "")
    cleaned = cleaned.strip()
    if cleaned == "":
        return None
    if not cleaned.isdigit() or len(cleaned) > 9:
        raise ValueError(cleaned)
    return int(cleaned)


def _department(request: HttpRequest, code: str | None) -> Department:
    departments: list[Department] = request.register_departments  # type: ignore[attr-defined]
    if code:
        for d in departments:
            if d.code == code:
                return d
        raise Http404(_("そのレジはありません / No such register."))
    return departments[0]


def _own_day(request: HttpRequest, pk: int) -> RegisterDay:
    day = services.get_day(request.municipality, pk)
    allowed = {d.pk for d in request.register_departments}  # type: ignore[attr-defined]
    if day is None or day.department_id not in allowed:
        raise Http404(_("その日計はありません / No such register day."))
    return day


def _own_transaction(request: HttpRequest, pk: int) -> RegisterTransaction:
    txn = (
        RegisterTransaction.unscoped.filter(municipality=request.municipality, pk=pk)
        .select_related("day__department", "payment", "voids__day")
        .prefetch_related("lines")
        .first()
    )
    allowed = {d.pk for d in request.register_departments}  # type: ignore[attr-defined]
    if txn is None or txn.day.department_id not in allowed:
        raise Http404(_("その取引はありません / No such transaction."))
    return txn


def _register_context(request: HttpRequest, department: Department) -> dict[str, Any]:
    day = RegisterDay.unscoped.filter(
        municipality=request.municipality,
        department=department,
        business_date=timezone.localdate(),
    ).first()
    recent = []
    if day is not None:
        recent = list(
            RegisterTransaction.unscoped.filter(day=day)
            .select_related("day", "voids__day")
            .order_by("-number")[:10]
        )
    labels = dict(Method.choices)
    return {
        "department": department,
        "departments": request.register_departments,  # type: ignore[attr-defined]
        "items": services.fee_items(request.municipality, department),
        "methods": [(m, labels[m]) for m in services.REGISTER_METHODS],
        "day": day,
        "recent": recent,
    }


@register_staff
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """The register: items with quantities, method, cash tendered, one submit (Enter)."""
    department = _department(request, request.POST.get("dept") or request.GET.get("dept"))
    context = _register_context(request, department)
    if request.method == "GET":
        context.update(token=services.new_token(), values={}, method=Method.CASH, errors=[])
        return render(request, "register/home.html", context)
    values = {item.code: request.POST.get(f"qty-{item.code}", "") for item in context["items"]}
    method = request.POST.get("method", "")
    token = request.POST.get("token", "")
    errors: list[dict[str, str]] = []
    try:
        tendered = parse_yen(request.POST.get("tendered"))
    except ValueError:
        tendered = None
        errors.append(
            {"message": _("お預かり金額は数字で入力してください / enter the cash as a number"),
             "target": "tendered"}
        )  # fmt: skip
    if not errors:
        try:
            result = services.ring_up(
                department,
                items={code: normalize_width(v) for code, v in values.items()},
                method=method,
                token=token,
                tendered_yen=tendered,
                payer_name=request.POST.get("payer_name", "").strip(),
                by=request.user,
            )
        except services.RegisterError as exc:
            errors.append({"message": exc.message, "target": exc.field})
        else:
            txn = result.transaction
            if result.created:
                messages.success(request, _("会計しました / Sale completed."))
            else:
                messages.info(
                    request,
                    _("この会計は登録済みです（二重送信） / This sale was already recorded."),
                )
            return redirect("payments:register_receipt", pk=txn.pk)
    context.update(
        token=token or services.new_token(),
        values=values,
        method=method,
        tendered=request.POST.get("tendered", ""),
        payer_name=request.POST.get("payer_name", ""),
        errors=errors,
    )
    return render(request, "register/home.html", context, status=400)


@register_staff
@require_POST
def opening_float(request: HttpRequest) -> HttpResponse:
    """釣銭準備金 of today, before the first sale; a mistake re-renders the register (400)."""
    department = _department(request, request.POST.get("dept"))
    typed = request.POST.get("opening_float", "")
    try:
        amount = parse_yen(typed)
        if amount is None:
            raise services.RegisterError(
                _("釣銭準備金を入力してください / enter the opening float"), "opening_float")
        services.set_opening_float(department, amount, by=request.user)
    except ValueError as exc:  # RegisterError is a ValueError too
        message = getattr(exc, "message", "") or _(
            "釣銭準備金は数字で入力してください / enter the opening float as a number")
        context = _register_context(request, department)
        context.update(token=services.new_token(), values={}, method=Method.CASH,
                       errors=[{"message": message, "target": "opening_float"}],
                       opening_float_typed=typed)
        return render(request, "register/home.html", context, status=400)
    messages.success(request, _("釣銭準備金を登録しました / Opening float recorded."))
    return redirect(reverse("payments:register") + f"?dept={department.code}")


@register_staff
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """領収書 (print view): the browser's print hides the header and navigation."""
    txn = _own_transaction(request, pk)
    return render(
        request,
        "register/receipt.html",
        {
            "txn": txn,
            "amount": abs(txn.total_yen),
            "lines": list((txn.voids or txn).lines.all()),
            "voided_by": _voided_by(txn),
        },
    )


def _voided_by(txn: RegisterTransaction) -> RegisterTransaction | None:
    return RegisterTransaction.unscoped.filter(voids=txn).select_related("day").first()


@register_staff
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    txn = _own_transaction(request, pk)
    response = HttpResponse(pdf.receipt_pdf(txn), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{txn.receipt_number}.pdf"'
    return response


@register_staff
@require_http_methods(["GET", "POST"])
def void(request: HttpRequest, pk: int) -> HttpResponse:
    """取消: the reason is required; a reversing transaction is added, nothing deleted."""
    txn = _own_transaction(request, pk)
    context: dict[str, Any] = {"txn": txn, "lines": list(txn.lines.all()), "errors": []}
    if request.method == "GET":
        return render(request, "register/void.html", context)
    try:
        services.void_transaction(txn, reason=request.POST.get("reason", ""), by=request.user)
    except services.RegisterError as exc:
        context.update(errors=[{"message": exc.message, "target": exc.field}],
                       reason=request.POST.get("reason", ""))  # fmt: skip
        return render(request, "register/void.html", context, status=400)
    messages.success(request, _("会計を取り消しました / The sale was cancelled."))
    return redirect("payments:register_day", pk=txn.day_id)


@register_staff
def days(request: HttpRequest) -> HttpResponse:
    department = _department(request, request.GET.get("dept"))
    return render(
        request,
        "register/days.html",
        {
            "department": department,
            "departments": request.register_departments,  # type: ignore[attr-defined]
            "days": services.recent_days(department),
        },
    )


@register_staff
def day(request: HttpRequest, pk: int) -> HttpResponse:
    """日計表: per method, cash expected in the drawer, cancellations; close form while open."""
    register_day = _own_day(request, pk)
    return render(
        request,
        "register/day.html",
        {"sheet": services.daily_sheet(register_day), "day": register_day, "errors": []},
    )


@register_staff
def day_csv(request: HttpRequest, pk: int) -> HttpResponse:
    register_day = _own_day(request, pk)
    body = services.daily_sheet_csv(services.daily_sheet(register_day))
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    name = f"nikkei-{register_day.department.code}-{register_day.business_date:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@register_staff
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    register_day = _own_day(request, pk)
    errors: list[dict[str, str]] = []
    try:
        counted = parse_yen(request.POST.get("counted_cash"))
    except ValueError:
        counted = None
        errors.append({"message": _("現金の実査額は数字で入力してください / enter the counted cash "
                                    "as a number"), "target": "counted_cash"})  # fmt: skip
    if not errors:
        try:
            services.close_day(register_day, by=request.user, counted_cash_yen=counted)
        except services.RegisterError as exc:
            errors.append({"message": exc.message, "target": ""})
        else:
            messages.success(request, _("日計を締めました / The register day was closed."))
            return redirect(reverse("payments:register_day", args=[register_day.pk]))
    context = {
        "sheet": services.daily_sheet(register_day),
        "day": register_day,
        "errors": errors,
        "counted_cash": request.POST.get("counted_cash", ""),
    }
    return render(request, "register/day.html", context, status=400)
