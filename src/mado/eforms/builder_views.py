"""The staff form builder at /staff/forms/: build, preview, publish and exchange forms.

Why every page is a plain server-rendered form: staff build forms on locked
down office PCs and tablets, often without JavaScript allowed, and the
builder must be usable with the keyboard and a screen reader. So each button
(add a field, move it up, add a rule…) POSTs one small change, which
:mod:`mado.eforms.builder` applies to the definition; the result is checked
by the schema and saved through :mod:`mado.eforms.services` (which creates a
new draft when the newest version is published — published versions never
change). Success redirects back (PRG) with a message; a mistake re-renders
the page with status 400, the input kept and an error summary at the top.

Who may do what: any staff member of the municipality may create and edit
drafts, copy, import and export; publishing needs the role ``manager`` or
``approver`` in any department. Another municipality's forms are a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mado.core.services import has_role
from mado.eforms import builder, services
from mado.eforms.builder_forms import (
    AddFieldForm,
    AddLogicForm,
    AddStepForm,
    FieldEditForm,
    ImportForm,
    NewFormForm,
    SettingsForm,
)
from mado.eforms.models import FormDefinition, FormVersion
from mado.eforms.schema import SchemaError
from mado.staff.views import staff_required

PUBLISH_ROLES = ("manager", "approver")


def may_publish(user: Any) -> bool:
    return has_role(user, *PUBLISH_ROLES)


def _procedures(request: HttpRequest) -> list[tuple[str, str]]:
    from mado.procedures.models import Procedure

    rows = Procedure.unscoped.filter(municipality=request.municipality).order_by("code")
    return [(p.code, f"{p.name}（{p.code}）") for p in rows]


def _form_or_404(request: HttpRequest, code: str) -> FormDefinition:
    form = FormDefinition.unscoped.filter(municipality=request.municipality, code=code).first()
    if form is None:
        raise Http404(_("その様式はありません / No such form."))
    return form


def _working(form: FormDefinition) -> tuple[FormVersion, dict[str, Any]]:
    version = services.latest_version(form)
    if version is None:
        raise Http404(_("その様式には版がありません / The form has no version."))
    return version, dict(version.definition)


def _save(
    request: HttpRequest, form: FormDefinition, data: dict[str, Any], message: str
) -> list[SchemaError]:
    """Validate and save as the draft; [] on success (with a message), else the errors."""
    try:
        version = services.save_draft(form, data, user=request.user)
    except services.DefinitionInvalid as exc:
        return list(exc.errors)
    messages.success(request, f"{message}（版 {version.number}・下書き） / saved as draft")
    return []


def _edit_url(form: FormDefinition, anchor: str = "") -> str:
    url = reverse("eforms_builder:edit", args=[form.code])
    return f"{url}#{anchor}" if anchor else url


def _groups(definition: dict[str, Any]) -> list[str]:
    return [
        f["key"]
        for s in definition.get("steps", [])
        for f in s.get("fields", [])
        if f.get("type") == "group"
    ]


def _targets(definition: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for s in definition.get("steps", []):
        out.append((s["key"], f"{_('ステップ')}: {s.get('title', '')}（{s['key']}）"))
        for f in s.get("fields", []):
            if f.get("type") != "section":
                out.append((f["key"], f"{f.get('label', '')}（{f['key']}）"))
    return out


def _field_rows(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Steps with their fields (and group children) as the edit page lists them."""
    steps = []
    for i, s in enumerate(definition.get("steps", [])):
        rows = []
        fields = s.get("fields", [])
        for j, f in enumerate(fields):
            children = (
                [
                    {
                        "field": c,
                        "address": f"{f['key']}.{c['key']}",
                        "first": k == 0,
                        "anchor": f"field-{f['key']}-{c['key']}",
                        "last": k == len(f["fields"]) - 1,
                        "type_label": builder.TYPE_LABELS.get(c.get("type"), c.get("type")),
                    }
                    for k, c in enumerate(f.get("fields", []))
                ]
                if f.get("type") == "group"
                else []
            )
            rows.append(
                {
                    "field": f,
                    "address": f["key"],
                    "first": j == 0,
                    "anchor": f"field-{f['key']}",
                    "last": j == len(fields) - 1,
                    "children": children,
                    "type_label": builder.TYPE_LABELS.get(f.get("type"), f.get("type")),
                }
            )
        steps.append(
            {
                "index": i,
                "step": s,
                "rows": rows,
                "removable": not fields and len(definition.get("steps", [])) > 1,
            }
        )
    return steps


def _edit_page(
    request: HttpRequest,
    form: FormDefinition,
    *,
    status: int = 200,
    errors: list[Any] = (),
    **forms: Any,
) -> HttpResponse:
    version, definition = _working(form)
    steps = [(i, s.get("title", s["key"])) for i, s in enumerate(definition.get("steps", []))]
    context = {
        "form_def": form,
        "version": version,
        "definition": definition,
        "steps": _field_rows(definition),
        "logic": list(enumerate(definition.get("logic", []))),
        "errors": list(errors),
        "may_publish": may_publish(request.user),
        "settings_form": forms.get("settings_form")
        or SettingsForm(
            initial={
                k: definition.get(k, "")
                for k in ("title", "title_en", "procedure", "identity", "description")
            },
            procedures=_procedures(request),
        ),
        "add_field_form": forms.get("add_field_form")
        or AddFieldForm(steps=steps, groups=_groups(definition)),
        "add_step_form": forms.get("add_step_form") or AddStepForm(),
        "add_logic_form": forms.get("add_logic_form") or AddLogicForm(targets=_targets(definition)),
    }
    return render(request, "eforms/builder/edit.html", context, status=status)


def _error_items(errors: list[Any], form: Any = None) -> list[dict[str, str]]:
    """The error summary: each message, linked to the input it is about when there is one."""
    items = []
    if form is not None:
        for name, messages_ in form.errors.items():
            target = form[name].auto_id if name in form.fields else ""
            items += [{"message": str(m), "target": target} for m in messages_]
    items += [{"message": str(e), "target": ""} for e in errors]
    return items


# --- pages ------------------------------------------------------------------------


@staff_required
@never_cache
def home(request: HttpRequest) -> HttpResponse:
    rows = []
    for form in services.forms_of(request.municipality):
        versions = services.versions_of(form)
        published = next((v for v in versions if v.status == "published"), None)
        rows.append(
            {"form": form, "latest": versions[0] if versions else None, "published": published}
        )
    return render(request, "eforms/builder/list.html", {"rows": rows, "import_form": ImportForm()})


@staff_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    procedures = _procedures(request)
    if request.method == "GET":
        return render(
            request,
            "eforms/builder/new.html",
            {"form": NewFormForm(procedures=procedures), "errors": []},
        )
    bound = NewFormForm(request.POST, procedures=procedures)
    errors: list[Any] = []
    if bound.is_valid():
        d = bound.cleaned_data
        data = builder.empty_definition(
            d["code"],
            d["title"],
            title_en=d["title_en"],
            procedure=d["procedure"] or None,
            identity=d["identity"],
        )
        try:
            form = services.create_form(request.municipality, data, user=request.user)
        except services.DefinitionInvalid as exc:
            for e in exc.errors:
                name = e.path if e.path in bound.fields else None
                bound.add_error(name, e.message)
        else:
            messages.success(request, _("様式を作成しました / Form created."))
            return redirect(_edit_url(form))
    return render(
        request,
        "eforms/builder/new.html",
        {"form": bound, "errors": _error_items(errors, bound)},
        status=400,
    )


@staff_required
@never_cache
def edit(request: HttpRequest, code: str) -> HttpResponse:
    return _edit_page(request, _form_or_404(request, code))


@staff_required
@require_POST
def settings(request: HttpRequest, code: str) -> HttpResponse:
    form = _form_or_404(request, code)
    definition = _working(form)[1]
    bound = SettingsForm(request.POST, procedures=_procedures(request))
    if bound.is_valid():
        data = builder.update_settings(definition, bound.cleaned_data)
        errors = _save(request, form, data, _("様式の設定を保存しました"))
        if not errors:
            return redirect(_edit_url(form, "settings"))
    else:
        errors = []
    return _edit_page(
        request, form, status=400, errors=_error_items(errors, bound), settings_form=bound
    )


@staff_required
@require_POST
def step_add(request: HttpRequest, code: str) -> HttpResponse:
    form = _form_or_404(request, code)
    definition = _working(form)[1]
    bound = AddStepForm(request.POST)
    errors: list[Any] = []
    if bound.is_valid():
        data = builder.add_step(
            definition,
            bound.cleaned_data["step_title"],
            title_en=bound.cleaned_data["step_title_en"],
        )
        errors = _save(request, form, data, _("ステップを追加しました"))
        if not errors:
            return redirect(_edit_url(form, f"step-{len(data['steps']) - 1}"))
    return _edit_page(
        request, form, status=400, errors=_error_items(errors, bound), add_step_form=bound
    )


def _apply_edit(
    request: HttpRequest,
    form: FormDefinition,
    edit: Callable[[], dict[str, Any]],
    message: str,
    anchor: str = "",
) -> HttpResponse:
    """Run one builder edit, save the draft, and go back to the editor (PRG).

    A refused edit or a definition the schema rejects re-renders the editor
    with status 400 and the reasons; nothing is saved.
    """
    try:
        data = edit()
    except builder.BuilderError as exc:
        return _edit_page(request, form, status=400, errors=_error_items([exc]))
    errors = _save(request, form, data, message)
    if errors:
        return _edit_page(request, form, status=400, errors=_error_items(errors))
    return redirect(_edit_url(form, anchor))


@staff_required
@require_POST
def step_delete(request: HttpRequest, code: str, index: int) -> HttpResponse:
    form = _form_or_404(request, code)
    definition = _working(form)[1]
    return _apply_edit(
        request,
        form,
        lambda: builder.remove_step(definition, index),
        _("ステップを削除しました"),
        "",
    )


@staff_required
@require_POST
def field_add(request: HttpRequest, code: str) -> HttpResponse:
    form = _form_or_404(request, code)
    definition = _working(form)[1]
    steps = [(i, s.get("title", s["key"])) for i, s in enumerate(definition.get("steps", []))]
    bound = AddFieldForm(request.POST, steps=steps, groups=_groups(definition))
    errors: list[Any] = []
    if bound.is_valid():
        d = bound.cleaned_data
        try:
            data = builder.add_field(
                definition, d["step"], d["type"], d["label"], key=d["key"], group=d["group"]
            )
        except builder.BuilderError as exc:
            bound.add_error("key" if "キー" in str(exc) else None, str(exc))
        else:
            errors = _save(request, form, data, _("項目を追加しました"))
            if not errors:
                return redirect(_edit_url(form, "add-field"))
            for e in errors:
                bound.add_error("key" if e.path.endswith(".key") else None, e.message)
            errors = []
    return _edit_page(
        request, form, status=400, errors=_error_items(errors, bound), add_field_form=bound
    )


def _path_of(definition: dict[str, Any], address: str) -> str:
    top, _sep, child = address.partition(".")
    for i, s in enumerate(definition.get("steps", [])):
        for j, f in enumerate(s.get("fields", [])):
            if f.get("key") == top:
                if not child:
                    return f"steps[{i}].fields[{j}]"
                for k, c in enumerate(f.get("fields", [])):
                    if c.get("key") == child:
                        return f"steps[{i}].fields[{j}].fields[{k}]"
    return ""


@staff_required
@require_http_methods(["GET", "POST"])
def field_edit(request: HttpRequest, code: str, address: str) -> HttpResponse:
    form = _form_or_404(request, code)
    version, definition = _working(form)
    try:
        spec = builder.get_field(definition, address)
    except builder.BuilderError as exc:
        raise Http404(str(exc)) from None
    in_group = "." in address
    status = 200
    if request.method == "POST":
        bound = FieldEditForm(request.POST, field=spec, in_group=in_group)
        if bound.is_valid():
            try:
                data = builder.update_field(definition, address, bound.changes())
            except builder.BuilderError as exc:
                bound.add_error("key", str(exc))
            else:
                errors = _save(request, form, data, _("項目を保存しました"))
                if not errors:
                    return redirect(_edit_url(form, f"field-{address.replace('.', '-')}"))
                new_key = bound.cleaned_data["key"]
                new_address = f"{address.partition('.')[0]}.{new_key}" if in_group else new_key
                path = _path_of(data, new_address) or _path_of(definition, address)
                for e in errors:
                    rest = e.path[len(path) + 1 :] if e.path.startswith(path + ".") else ""
                    name = rest.split(".")[0].split("[")[0]
                    bound.add_error(name if name in bound.fields else None, e.message)
        status = 400
    else:
        bound = FieldEditForm(field=spec, in_group=in_group)
    parent = address.partition(".")[0] if in_group else ""
    children = []
    if spec.get("type") == "group":
        children = [
            {"field": c, "address": f"{address}.{c['key']}"} for c in spec.get("fields", [])
        ]
    return render(
        request,
        "eforms/builder/field.html",
        {
            "form_def": form,
            "version": version,
            "spec": spec,
            "address": address,
            "form": bound,
            "parent": parent,
            "children": children,
            "type_label": builder.TYPE_LABELS.get(spec.get("type"), spec.get("type")),
            "errors": _error_items([], bound) if status == 400 else [],
        },
        status=status,
    )


@staff_required
@require_POST
def field_move(request: HttpRequest, code: str, address: str) -> HttpResponse:
    form = _form_or_404(request, code)
    definition = _working(form)[1]
    return _apply_edit(
        request,
        form,
        lambda: builder.move_field(definition, address, request.POST.get("direction", "")),
        _("項目を移動しました"),
        f"field-{address.replace('.', '-')}",
    )


@staff_required
@require_POST
def field_delete(request: HttpRequest, code: str, address: str) -> HttpResponse:
    form = _form_or_404(request, code)
    definition = _working(form)[1]
    return _apply_edit(
        request,
        form,
        lambda: builder.remove_field(definition, address),
        _("項目を削除しました"),
        "",
    )


@staff_required
@require_POST
def logic_add(request: HttpRequest, code: str) -> HttpResponse:
    form = _form_or_404(request, code)
    definition = _working(form)[1]
    bound = AddLogicForm(request.POST, targets=_targets(definition))
    errors: list[Any] = []
    if bound.is_valid():
        d = bound.cleaned_data
        data = builder.add_logic(definition, d["action"], d["target"], d["expression"])
        errors = _save(request, form, data, _("条件を追加しました"))
        if not errors:
            return redirect(_edit_url(form, "logic"))
        index = len(data["logic"]) - 1
        for e in errors:
            if e.path.startswith(f"logic[{index}]."):
                name = "target" if e.path.endswith(".target") else "expression"
                bound.add_error(name, e.message)
            else:
                bound.add_error(None, str(e))
        errors = []
    return _edit_page(
        request, form, status=400, errors=_error_items(errors, bound), add_logic_form=bound
    )


@staff_required
@require_POST
def logic_delete(request: HttpRequest, code: str, index: int) -> HttpResponse:
    form = _form_or_404(request, code)
    definition = _working(form)[1]
    return _apply_edit(
        request,
        form,
        lambda: builder.remove_logic(definition, index),
        _("条件を削除しました"),
        "logic",
    )
