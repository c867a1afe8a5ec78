"""Versions in the staff form builder: preview, publish, history, export, copy and import.

Split from :mod:`mado.eforms.builder_views` (editing a draft) because these
views deal with whole versions rather than one change to a draft: what a
resident would see, the immutable published versions, and JSON exchange with
other municipalities. The same rules apply: plain server-rendered forms,
PRG on success, 400 with the input kept on a mistake; publishing needs the
role ``manager`` or ``approver``.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mado.core import audit
from mado.eforms import builder, services
from mado.eforms.builder_forms import CopyForm, ImportForm
from mado.eforms.builder_views import (
    _edit_url,
    _error_items,
    _form_or_404,
    _working,
    may_publish,
)
from mado.eforms.models import FormVersion
from mado.staff.views import forbidden, staff_required


@staff_required
@never_cache
def preview(request: HttpRequest, code: str) -> HttpResponse:
    """Each step as a resident sees it (the apply flow's templates), inputs disabled."""
    from mado.apply import forms as apply_forms

    form = _form_or_404(request, code)
    version, definition = _working(form)
    english = (request.LANGUAGE_CODE or "").startswith("en")
    logic = definition.get("logic", [])
    state = apply_forms.FieldState(
        compute_targets=frozenset(r.get("target") for r in logic if r.get("action") == "compute"),
        english=english,
    )
    conditional = {r.get("target") for r in logic if r.get("action") == "show"}
    steps = []
    for s in definition.get("steps", []):
        views = []
        for f in s.get("fields", []):
            view = apply_forms.field_view(f, [{}] if f.get("type") == "group" else None, state)
            view["conditional"] = f.get("key") in conditional
            views.append(view)
        steps.append(
            {
                "step": s,
                "title": (english and s.get("title_en")) or s.get("title"),
                "fields": views,
                "conditional": s.get("key") in conditional,
            }
        )
    return render(
        request,
        "eforms/builder/preview.html",
        {"form_def": form, "version": version, "definition": definition, "steps": steps},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, code: str) -> HttpResponse:
    form = _form_or_404(request, code)
    version, definition = _working(form)
    allowed = may_publish(request.user)
    problems = builder.problems(definition)
    status = 200
    if request.method == "POST":
        if not allowed:
            return forbidden(
                request,
                _(
                    "様式の公開は所属長または決裁者のみできます"
                    " / Only managers and approvers may publish forms."
                ),
            )
        if version.frozen:
            messages.info(request, _("この版は公開済みです / This version is already published."))
            return redirect("eforms_builder:history", form.code)
        try:
            services.publish(version, user=request.user)
        except services.DefinitionInvalid as exc:
            problems = list(exc.errors)
            status = 400
        else:
            messages.success(
                request,
                _("版 %(n)s を公開しました / Version %(n)s published.") % {"n": version.number},
            )
            return redirect("eforms_builder:history", form.code)
    return render(
        request,
        "eforms/builder/publish.html",
        {
            "form_def": form,
            "version": version,
            "problems": problems,
            "allowed": allowed,
        },
        status=status,
    )


@staff_required
@never_cache
def history(request: HttpRequest, code: str) -> HttpResponse:
    form = _form_or_404(request, code)
    return render(
        request,
        "eforms/builder/history.html",
        {"form_def": form, "versions": services.versions_of(form), "copy_form": CopyForm()},
    )


@staff_required
def export(request: HttpRequest, code: str, number: int) -> HttpResponse:
    form = _form_or_404(request, code)
    version = FormVersion.unscoped.filter(form=form, number=number).first()
    if version is None:
        raise Http404(_("その版はありません / No such version."))
    audit.record(
        audit.Action.EXPORT,
        user=request.user,
        municipality=request.municipality,
        target_type="form_version",
        target_id=version.pk,
        reason="様式の書出し / form exported",
        detail={"code": form.code, "number": number},
    )
    body = json.dumps(services.export_json(version), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{form.code}-v{number}.json"'
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def copy(request: HttpRequest, code: str) -> HttpResponse:
    form = _form_or_404(request, code)
    bound = CopyForm(request.POST or None)
    if request.method == "POST" and bound.is_valid():
        try:
            new_form = services.copy_form(form, bound.cleaned_data["new_code"], user=request.user)
        except services.DefinitionInvalid as exc:
            for e in exc.errors:
                bound.add_error("new_code" if e.path == "code" else None, e.message)
        else:
            messages.success(request, _("様式を複製しました / Form copied."))
            return redirect(_edit_url(new_form))
    return render(
        request,
        "eforms/builder/copy.html",
        {
            "form_def": form,
            "form": bound,
            "errors": _error_items([], bound) if bound.is_bound else [],
        },
        status=400 if bound.is_bound else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def import_form(request: HttpRequest) -> HttpResponse:
    bound = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and bound.is_valid():
        try:
            version = services.import_json(
                request.municipality, bound.cleaned_data["file"], user=request.user
            )
        except services.DefinitionInvalid as exc:
            for e in exc.errors[:20]:
                bound.add_error(None, str(e))
        else:
            messages.success(
                request,
                _("様式を取り込みました（版 %(n)s・下書き） / Imported as a draft.")
                % {"n": version.number},
            )
            return redirect(_edit_url(version.form))
    return render(
        request,
        "eforms/builder/import.html",
        {"form": bound, "errors": _error_items([], bound) if bound.is_bound else []},
        status=400 if bound.is_bound else 200,
    )
