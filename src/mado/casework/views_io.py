"""Staff pages for the approval-rate report, exports of decided cases and portal imports."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from mado.casework import exports, imports
from mado.casework import services as cw
from mado.casework.approval import approval_rate_report
from mado.core.services import staff_municipality
from mado.staff.views import forbidden, staff_required

MAX_IMPORT = 5 * 1024 * 1024


@staff_required
@never_cache
def approval_report_view(request: HttpRequest) -> HttpResponse:
    municipality = staff_municipality(request.user)
    rows = approval_rate_report(municipality)
    electronic = sum(r.electronic for r in rows)
    total = sum(r.total for r in rows)
    return render(request, "casework/report.html", {
        "rows": rows, "total": total,
        "rate": round(100.0 * electronic / total, 1) if total else 0.0})


@staff_required
def export_view(request: HttpRequest) -> HttpResponse:
    if not cw.case_department_ids(request.user):
        return forbidden(request, "案件を扱う課に所属していません / you work no case inbox")
    municipality = staff_municipality(request.user)
    fmt = request.GET.get("format", "csv")
    layout = request.GET.get("layout", "standard")
    cases = exports.decided_cases(municipality).filter(
        department_id__in=cw.case_department_ids(request.user))
    if fmt == "json":
        resp = HttpResponse(exports.export_json(cases), content_type="application/json")
        resp["Content-Disposition"] = 'attachment; filename="cases.json"'
        return resp
    if fmt != "csv" or layout not in ("standard", "jumin_ido"):
        return HttpResponse("形式の指定が不正です / unknown format or layout", status=400,
                            content_type="text/plain; charset=utf-8")
    resp = HttpResponse(exports.export_csv(cases, layout), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="cases-{layout}.csv"'
    return resp


@staff_required
@never_cache
def import_view(request: HttpRequest) -> HttpResponse:
    if not cw.case_department_ids(request.user):
        return forbidden(request, "案件を扱う課に所属していません / you work no case inbox")
    report, status, layout = None, 200, request.POST.get("layout", "pittari")
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size == 0 or upload.size > MAX_IMPORT:
            report = imports.ImportReport(problems=[imports.ImportProblem(
                0, "5MBまでのファイルを選んでください / choose a file of at most 5 MB")])
        else:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                text = None
                report = imports.ImportReport(problems=[imports.ImportProblem(
                    0, "UTF-8で保存してください / the file must be UTF-8")])
            if text is not None:
                report = imports.import_portal_file(staff_municipality(request.user), text,
                                                    layout=layout, by=request.user)
        status = 200 if report and report.imported else 400
    return render(request, "casework/import.html", {"report": report, "layout": layout},
                  status=status)
