"""Staff pages for the automatic review rules: list, add, edit (errors shown), enable/disable.

Why beside the admin: the 所属長 who decides what the machine checks is not an
admin user. The views only parse and render; ``casework.rule_config`` checks
who may edit what and compiles the rule before it is saved. A refused save is
a 400 page with everything typed kept and the error next to its field.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mado.casework import rule_config as rc
from mado.staff.views import forbidden, staff_required

NOT_MANAGER = ("自動審査ルールを編集できるのは所属長です / only a department head (所属長) "
               "edits review rules")
NO_RULE = "そのルールはありません / no such rule"


@staff_required
@never_cache
def rules_view(request: HttpRequest) -> HttpResponse:
    if not rc.rule_department_ids(request.user):
        return forbidden(request, NOT_MANAGER)
    return render(request, "casework/rules.html", {"rules": rc.rules_for(request.user)})


def _form(request: HttpRequest, data: rc.RuleInput, rule: object | None,
          status: int = 200) -> HttpResponse:
    procedures = rc.editable_procedures(request.user)
    chosen = next((p for p in procedures if str(p.pk) == data.procedure), None)
    return render(request, "casework/rule_form.html", {
        "data": data, "rule": rule, "procedures": procedures,
        "facts": rc.fact_names(chosen or (procedures[0] if procedures else None)),
    }, status=status)


@staff_required
@never_cache
def rule_new_view(request: HttpRequest) -> HttpResponse:
    if not rc.rule_department_ids(request.user):
        return forbidden(request, NOT_MANAGER)
    if request.method == "POST":
        data = rc.RuleInput.from_post(request.POST)
        if rc.save_rule(request.user, data) is not None:
            messages.success(request, "ルールを追加しました / rule added")
            return redirect("casework:rules")
        return _form(request, data, None, status=400)
    return _form(request, rc.RuleInput(procedure=request.GET.get("procedure", "")), None)


@staff_required
@never_cache
def rule_edit_view(request: HttpRequest, rule_id: int) -> HttpResponse:
    if not rc.rule_department_ids(request.user):
        return forbidden(request, NOT_MANAGER)
    rule = rc.get_rule(request.user, rule_id)
    if rule is None:
        raise Http404(NO_RULE)
    if request.method == "POST":
        data = rc.RuleInput.from_post(request.POST)
        if rc.save_rule(request.user, data, rule) is not None:
            messages.success(request, "ルールを保存しました / rule saved")
            return redirect("casework:rules")
        return _form(request, data, rule, status=400)
    return _form(request, rc.RuleInput.from_rule(rule), rule)


@staff_required
@require_POST
def rule_toggle_view(request: HttpRequest, rule_id: int) -> HttpResponse:
    if not rc.rule_department_ids(request.user):
        return forbidden(request, NOT_MANAGER)
    rule = rc.get_rule(request.user, rule_id)
    if rule is None:
        raise Http404(NO_RULE)
    active = request.POST.get("active") == "1"
    rc.set_rule_active(request.user, rule, active)
    messages.success(request, ("ルールを有効にしました / rule enabled" if active
                               else "ルールを無効にしました / rule disabled"))
    return redirect("casework:rules")
