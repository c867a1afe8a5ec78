"""Staff pages of the back office: the inbox and the case page with its actions.

Views stay small: they parse the request, call ``casework.services`` and
render. Every action is a POST that redirects back (PRG) with a bilingual
message; a refused action (lifecycle, permission, bad input) is a 400/403 page
that keeps what was typed (the reason text is rendered back into the form).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mado.casework import approval, decisions, inbox, review
from mado.casework import services as cw
from mado.casework.display import case_fields
from mado.casework.models import CaseAttachment, Notice
from mado.core.services import staff_municipality
from mado.payments.services import payment_summary
from mado.procedures.models import Procedure
from mado.staff.views import forbidden, staff_required
from mado.submissions.completion import complete_pending
from mado.submissions.lifecycle import allowed_transitions
from mado.submissions.models import Status, SubmissionChannel

BULK_ACTIONS = {"accept": "受付", "assign_me": "自分に割当", "review": "自動審査"}


def _departments(request: HttpRequest) -> set[int]:
    return cw.case_department_ids(request.user)


@staff_required
@never_cache
def inbox_view(request: HttpRequest) -> HttpResponse:
    ids = _departments(request)
    if not ids:
        return forbidden(request, "案件を扱う課に所属していません / you work no case inbox")
    municipality = staff_municipality(request.user)
    complete_pending()  # API submissions whose case is still to be written
    cw.ensure_cases(municipality)
    query = inbox.InboxQuery.from_params(request.GET)
    page = inbox.list_inbox(request.user, query, ids)
    from mado.core.models import Department

    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "casework/inbox.html", {
        "page": page, "query": query, "statuses": Status.choices[1:],
        "departments": Department.unscoped.filter(pk__in=ids).order_by("sort_order"),
        "procedures": Procedure.unscoped.filter(department_id__in=ids).order_by("name"),
        "channels": SubmissionChannel.choices, "due_choices": inbox.DUE_CHOICES.items(),
        "bulk_actions": BULK_ACTIONS.items(), "colleagues": cw.colleagues(request.user),
        "status_labels": dict(Status.choices), "querystring": params.urlencode(),
        "today": timezone.localdate(),
    }, status=400 if query.errors else 200)


@staff_required
@require_POST
def bulk_view(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    ids = [int(x) for x in request.POST.getlist("case") if x.isdigit()][:500]
    back = request.POST.get("next") or reverse("casework:inbox")
    if not back.startswith("/staff/cases/"):
        back = reverse("casework:inbox")
    if not ids or (action not in BULK_ACTIONS and action != "assign"):
        messages.error(request, "案件と操作を選んでください / choose cases and an action")
        return redirect(back)
    cases = [c for c in (cw.get_case(request.user, i) for i in ids) if c is not None]
    done, failed = 0, 0
    if action == "review":
        summary = review.review_cases([c.pk for c in cases], by=request.user)
        messages.success(request, f"自動審査: 適合 {summary.passed}件・要確認 {summary.referred}件"
                                  f"・ルールなし {summary.skipped}件 / auto-review done")
        return redirect(back)
    if action in ("assign_me", "assign"):
        to = request.user
        if action == "assign":
            to = get_user_model().objects.filter(pk=request.POST.get("assignee") or 0).first()
            if to is None:
                messages.error(request, "担当者を選んでください / choose a colleague")
                return redirect(back)
        done = cw.assign(cases, by=request.user, to=to)
    else:
        for case in cases:
            try:
                cw.accept(case, by=request.user)
                done += 1
            except cw.CaseError:
                failed += 1
    messages.success(request, f"{done}件を処理しました(対象外 {failed}件) / {done} done, "
                              f"{failed} skipped")
    return redirect(back)


def _case_or_error(request: HttpRequest, case_id: int) -> Any:
    try:
        case = cw.get_case(request.user, case_id)
    except cw.CaseForbidden as exc:
        return forbidden(request, str(exc))
    if case is None:
        raise Http404("案件がありません / no such case")
    return case


@staff_required
@never_cache
def case_view(request: HttpRequest, case_id: int, *, status: int = 200,
              typed: dict[str, str] | None = None) -> HttpResponse:
    case = _case_or_error(request, case_id)
    if isinstance(case, HttpResponse):
        return case
    user = request.user
    open_steps = approval.pending_steps(case)
    my_steps = [s for s in open_steps if approval.acting_for(user, s, case)[0]]
    return render(request, "casework/case.html", {
        "case": case, "sub": case.submission, "fields": case_fields(case.submission),
        "attachments": list(case.submission.attachments.all()),
        "internal_files": list(CaseAttachment.unscoped.filter(case=case)),
        "timeline": cw.timeline(case),
        "allowed": allowed_transitions(case.submission.status),
        "has_route": bool(approval.route_steps(case)), "route": approval.route_steps(case),
        "open_steps": open_steps, "my_steps": my_steps,
        "notices": list(Notice.unscoped.filter(case=case)),
        "payment": payment_summary(case.submission),
        "reason_text": (typed or {}).get("return") or (typed or {}).get("reject") or "",
        "comment_text": (typed or {}).get("comment") or "", "colleagues": cw.colleagues(user),
    }, status=status)


ACTIONS = ("accept", "start_review", "review", "submit_approval", "approve", "approve_direct",
           "return", "reject", "complete", "comment", "attach", "assign")


@staff_required
@require_POST
def action_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_error(request, case_id)
    if isinstance(case, HttpResponse):
        return case
    action = request.POST.get("action", "")
    text = request.POST.get("text", "")
    user = request.user
    try:
        if action not in ACTIONS:
            raise cw.CaseError("不明な操作です / unknown action")
        if action == "accept":
            cw.accept(case, by=user)
        elif action == "start_review":
            cw.start_review(case, by=user)
        elif action == "review":
            cw.check_case(user, case)
            if review.review_one(case, by=user) is None:
                raise cw.CaseError("この手続には自動審査ルールがありません / no review rules")
        elif action == "submit_approval":
            approval.submit_for_approval(case, by=user)
        elif action == "approve":
            scan = None
            if request.FILES.get("scan"):
                scan = cw.attach_internal(case, request.FILES["scan"], by=user)
            approval.approve_step(case, by=user, paper=request.POST.get("paper") == "1",
                                  scan=scan, comment=text)
        elif action == "approve_direct":
            approval.approve_without_route(case, by=user)
        elif action == "return":
            cw.return_for_correction(case, by=user, reason=text)
        elif action == "reject":
            cw.reject(case, by=user, reason=text)
        elif action == "complete":
            cw.complete(case, by=user)
        elif action == "comment":
            cw.comment(case, by=user, text=text)
        elif action == "attach":
            if not request.FILES.get("file"):
                raise cw.CaseError("ファイルを選んでください / choose a file")
            cw.attach_internal(case, request.FILES["file"], by=user)
        elif action == "assign":
            to = get_user_model().objects.filter(pk=request.POST.get("assignee") or 0).first()
            cw.assign([case], by=user, to=to)
    except cw.CaseForbidden as exc:
        return forbidden(request, str(exc))
    except (cw.CaseError, ValueError) as exc:
        messages.error(request, str(exc))
        return case_view(request, case_id, status=400, typed={action: text})
    messages.success(request, "処理しました / done")
    return redirect("casework:case", case_id=case.pk)


@staff_required
def internal_file_view(request: HttpRequest, case_id: int, file_id: int) -> HttpResponse:
    case = _case_or_error(request, case_id)
    if isinstance(case, HttpResponse):
        return case
    att = CaseAttachment.unscoped.filter(case=case, pk=file_id).first()
    if att is None:
        raise Http404
    return FileResponse(cw.open_internal(att), content_type=att.content_type,
                        as_attachment=True, filename=att.original_name)


@staff_required
def notice_pdf_view(request: HttpRequest, case_id: int, notice_id: int) -> HttpResponse:
    case = _case_or_error(request, case_id)
    if isinstance(case, HttpResponse):
        return case
    notice = Notice.unscoped.filter(case=case, pk=notice_id).first()
    if notice is None:
        raise Http404
    return HttpResponse(decisions.notice_pdf(notice), content_type="application/pdf")
