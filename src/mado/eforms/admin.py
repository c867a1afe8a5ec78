"""Admin for forms: list, inspect versions, publish, import and export JSON.

Why the admin only wraps services: a definition is checked by the schema
validator on every save, a published version is read-only here exactly as in
the model, and publishing/importing are audited — all of which live in
``mado.eforms.services``. The no-code form builder for staff is under
``/staff/``; this page is for configuration and moving forms between
municipalities (export here, import there).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from mado.core.admin import TenantAdminMixin, admin_municipality
from mado.core.models import Municipality
from mado.eforms import services
from mado.eforms.logic import DefinitionInvalid
from mado.eforms.models import FormDefinition, FormVersion, VersionStatus
from mado.eforms.schema import validate_definition

MAX_UPLOAD = 2_000_000


def _pretty(definition: Any) -> str:
    return format_html(
        '<pre>{}</pre>',
        json.dumps(definition, ensure_ascii=False, indent=2),
    )


class FormVersionInline(TenantAdminMixin, admin.TabularInline):
    model = FormVersion
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("number", "status", "published_at", "published_by", "definition_view")
    readonly_fields = fields

    @admin.display(description=_("定義"))
    def definition_view(self, obj: FormVersion) -> str:
        return _pretty(obj.definition)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # versions come from saving a draft (services.save_draft)


class ImportForm(forms.Form):
    municipality = forms.ModelChoiceField(queryset=Municipality.objects.all(), label=_("団体"))
    file = forms.FileField(label=_("様式（JSON）"))


@admin.register(FormDefinition)
class FormDefinitionAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ("code", "title", "procedure", "published")
    list_filter = ("municipality",)
    search_fields = ("code", "title")
    readonly_fields = ("code", "created_at")
    fields = ("municipality", "code", "title", "procedure", "created_at")
    inlines = [FormVersionInline]
    actions = ["export_json", "publish_latest_draft"]
    change_list_template = "admin/eforms/formdefinition/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a form is created from a definition: import JSON or use the staff builder

    @admin.display(description=_("公開中の版"))
    def published(self, obj: FormDefinition) -> str:
        version = obj.versions.filter(status=VersionStatus.PUBLISHED).first()
        return f"v{version.number}" if version else "—"

    @admin.action(description=_("選択した様式を JSON で書き出す（公開中の版、なければ最新の版）"))
    def export_json(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        exports = []
        for form in queryset:
            version = form.versions.filter(
                status=VersionStatus.PUBLISHED
            ).first() or services.latest_version(form)
            if version is not None:
                exports.append(services.export_json(version))
        data: Any = exports[0] if len(exports) == 1 else exports
        name = exports[0]["definition"]["code"] if len(exports) == 1 else "forms"
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response

    @admin.action(description=_("選択した様式の最新の下書きを公開する"))
    def publish_latest_draft(self, request: HttpRequest, queryset: QuerySet) -> None:
        for form in queryset:
            version = services.latest_version(form)
            if version is None or version.status != VersionStatus.DRAFT:
                self.message_user(
                    request,
                    _("%(code)s: 下書きがありません") % {"code": form.code},
                    messages.WARNING,
                )
                continue
            try:
                services.publish(version, user=request.user)
            except DefinitionInvalid as exc:
                self.message_user(request, f"{form.code}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{form.code}: v{version.number} を公開しました")

    def get_urls(self) -> list[Any]:
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="eforms_formdefinition_import",
            )
        ]
        return custom + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            return HttpResponse(status=403)
        form = ImportForm(request.POST or None, request.FILES or None)
        own = admin_municipality(request)
        if not request.user.is_superuser:
            form.fields["municipality"].queryset = Municipality.objects.filter(
                pk=own.pk if own else None
            )
        schema_errors: list[Any] = []
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["file"].read(MAX_UPLOAD + 1)
            if len(raw) > MAX_UPLOAD:
                form.add_error(
                    "file", "ファイルが大きすぎます（2MBまで） / file too large (max 2 MB)"
                )
            else:
                try:
                    version = services.import_json(
                        form.cleaned_data["municipality"], raw, user=request.user
                    )
                except DefinitionInvalid as exc:
                    schema_errors = exc.errors
                    form.add_error("file", "定義に誤りがあります / the definition has errors")
                else:
                    self.message_user(
                        request, f"{version.form.code} v{version.number} を取り込みました"
                    )
                    return redirect("admin:eforms_formdefinition_change", version.form_id)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "schema_errors": schema_errors,
            "title": _("様式の取込"),
            "opts": self.model._meta,
        }
        status = 400 if request.method == "POST" and form.errors else 200
        return render(request, "admin/eforms/formdefinition/import.html", context, status=status)


class FormVersionForm(forms.ModelForm):
    class Meta:
        model = FormVersion
        fields = ("definition",)

    def clean_definition(self) -> Any:
        definition = self.cleaned_data["definition"]
        errors = validate_definition(definition)
        if errors:
            raise forms.ValidationError([str(e) for e in errors[:50]])
        if self.instance.pk and definition.get("code") != self.instance.form.code:
            raise forms.ValidationError(
                "様式コードは変えられません（複製してください） / the code cannot change (copy the form)"
            )
        return definition


@admin.register(FormVersion)
class FormVersionAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = FormVersionForm
    list_display = ("form", "number", "status", "published_at")
    list_filter = ("status", "municipality")
    search_fields = ("form__code", "form__title")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.frozen:
            return False
        return super().has_delete_permission(request, obj)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.frozen:
            return ("form", "number", "status", "published_at", "published_by", "definition_view")
        return ("form", "number", "status", "definition")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.frozen:
            return ("form", "number", "status", "published_at", "published_by", "definition_view")
        return ("form", "number", "status")

    @admin.display(description=_("定義"))
    def definition_view(self, obj: FormVersion) -> str:
        return _pretty(obj.definition)
