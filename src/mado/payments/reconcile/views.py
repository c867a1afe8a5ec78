"""Staff pages of reconciliation (消込) under /staff/payments/reconcile/.

Small views over :mod:`mado.payments.reconcile.services`: upload and import
list, one import's results (counts per outcome, totals checks, provider fee
per method, line errors, the exception list), resolving one exception, and
the monthly report with its CSV. Bad input (no file, a file of the wrong
layout, the same file again) re-renders the form with a message and a 4xx;
nothing here answers 5xx for what a user sent. Rows are read through the
tenant-scoped managers, so another municipality's import is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mado.core.models import Role
from mado.core.services import has_role
from mado.payments.reconcile import parallel, services
from mado.payments.reconcile.forms import MonthForm, ResolveForm, UploadForm
from mado.payments.reconcile.models import (
    EXCEPTION_OUTCOMES,
    Outcome,
    PaymentFile,
    PaymentLine,
)
from mado.staff.views import forbidden, staff_required

View = Callable[..., HttpResponse]
RECONCILE_ROLES = (Role.COUNTER, Role.MANAGER)
LIST_LIMIT = 100
LINE_LIMIT = 500


def reconcile_staff(view: View) -> View:
    """Signed-in staff holding the counter or manager role (会計・収納担当)."""

    @staff_required
    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not has_role(request.user, *RECONCILE_ROLES):
            return forbidden(request, _("消込には窓口または所属長の権限が必要です"
                                        " / reconciliation needs the counter or manager role"))
        return view(request, *args, **kwargs)

    return wrapped


def _home(request: HttpRequest, form: UploadForm, status: int = 200, **extra: Any) -> HttpResponse:
    files = PaymentFile.objects.defer("content", "errors").order_by("-imported_at", "-pk")
    return render(request, "reconcile/home.html",
                  {"form": form, "files": files[:LIST_LIMIT], **extra}, status=status)


@reconcile_staff
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _home(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _home(request, form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > services.MAX_FILE_BYTES:
        form.add_error("file", _("ファイルが大きすぎます / the file is too large"))
        return _home(request, form, status=400)
    try:
        payment_file = services.import_file(
            request.municipality, upload.read(), filename=upload.name,
            provider=form.cleaned_data["provider"], user=request.user)
    except services.ReconcileError as exc:
        form.add_error("file", str(exc))
        return _home(request, form, status=409 if exc.existing else 400, existing=exc.existing)
    messages.success(request, _("取り込みました / imported: %(name)s") % {"name": payment_file.filename})
    return redirect("payments:reconcile_file", pk=payment_file.pk)


@reconcile_staff
def file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    payment_file = get_object_or_404(PaymentFile.objects.defer("content", "outcome_codes"), pk=pk)
    if payment_file.lines_pending and parallel.finish_file(payment_file.pk):
        payment_file.lines_pending = False  # an interrupted import's lines, written just now
    outcome = request.GET.get("outcome", "")
    if outcome and outcome not in Outcome.values:
        outcome = ""
    lines = PaymentLine.objects.filter(file=payment_file).select_related("payment")
    lines = lines.filter(outcome=outcome) if outcome else lines.filter(outcome__in=EXCEPTION_OUTCOMES)
    lines = lines.order_by("line_no")
    shown = [{"line": ln, "reason": services.outcome_message(ln)} for ln in lines[:LINE_LIMIT]]
    counts = [{"outcome": o, "label": o.label, "n": payment_file.counts.get(o.value, 0),
               "exception": o.value in EXCEPTION_OUTCOMES} for o in Outcome]
    by_method = (PaymentLine.objects.filter(file=payment_file).values("method")
                 .annotate(n=Count("id"), gross=Sum("amount_yen"), fee=Sum("fee_yen"),
                           net=Sum("net_yen")).order_by("method"))
    return render(request, "reconcile/file.html", {
        "file": payment_file, "counts": counts, "lines": shown, "outcome": outcome,
        "outcome_label": Outcome(outcome).label if outcome else "",
        "by_method": by_method, "limit": LINE_LIMIT,
    })


@reconcile_staff
@require_http_methods(["GET", "POST"])
def line_detail(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(PaymentLine.objects.select_related("payment", "file", "resolved_by"),
                             pk=pk)
    form = ResolveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.resolve_line(line, action=form.cleaned_data["action"],
                                      note=form.cleaned_data["note"], user=request.user,
                                      reference=form.cleaned_data.get("reference", ""))
            except services.ReconcileError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("処理を記録しました / resolution recorded"))
                return redirect("payments:reconcile_line", pk=line.pk)
        status = 400
    return render(request, "reconcile/line.html", {
        "line": line, "reason": services.outcome_message(line), "form": form,
    }, status=status)


@reconcile_staff
def monthly(request: HttpRequest) -> HttpResponse:
    form = MonthForm(request.GET or None)
    today = timezone.localdate()
    year, month = today.year, today.month
    if form.is_bound and not form.is_valid():
        return render(request, "reconcile/monthly.html",
                      {"form": form, "report": None, "month_value": ""}, status=400)
    if form.is_bound and form.cleaned_data.get("month"):
        year, month = (int(p) for p in form.cleaned_data["month"].split("-"))
    report = services.monthly_report(request.municipality, year, month)
    if request.GET.get("format") == "csv":
        response = HttpResponse(services.monthly_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="reconciliation-{year:04d}-{month:02d}.csv"')
        return response
    return render(request, "reconcile/monthly.html", {
        "form": form, "report": report, "total": report.total(),
        "month_value": f"{year:04d}-{month:02d}",
    })
