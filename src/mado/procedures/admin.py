"""Admin for the catalogue: staff edit procedures and their rules without code.

Rules are checked when saved (Procedure.clean → the safe rule compiler), so a
typo in a condition is shown on the form instead of silently dropping a
procedure from residents' plans. Export the selection as JSON or CSV, or
import a catalogue file, from the list page.
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
from django.utils.translation import gettext_lazy as _

from mado.core.admin import TenantAdminMixin, admin_municipality
from mado.core.models import Municipality
from mado.procedures import services
from mado.procedures.models import Procedure


class CatalogueUploadForm(forms.Form):
    municipality = forms.ModelChoiceField(queryset=Municipality.objects.all(), label=_("団体"))
    file = forms.FileField(label=_("カタログ（JSON または CSV）"))
    dry_run = forms.BooleanField(label=_("確認のみ（書き込まない）"), required=False)


@admin.register(Procedure)
class ProcedureAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "department",
        "fee",
        "plan_order",
        "my_number_card_online",
        "is_active",
    )
    list_filter = (
        "municipality",
        "department",
        "is_active",
        "my_number_card_online",
        "priority_online",
    )
    search_fields = ("code", "name", "name_kana", "name_en")
    ordering = ("municipality", "plan_order", "code")
    actions = ["export_json", "export_csv"]
    change_list_template = "admin/procedures/procedure/change_list.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "municipality",
                    "code",
                    "name",
                    "name_kana",
                    "name_en",
                    "department",
                    "is_active",
                )
            },
        ),
        (
            _("案内"),
            {
                "fields": (
                    "description",
                    "description_en",
                    "legal_basis",
                    "channels",
                    "external_url",
                    "documents",
                    "who_may_apply",
                    "proxy_documents",
                    "processing_time",
                    "deadline",
                )
            },
        ),
        (_("手数料"), {"fields": ("fee", "fee_unit", "fee_note")}),
        (
            _("手続ナビ"),
            {
                "fields": (
                    "life_events",
                    "rules",
                    "default_reason",
                    "default_reason_en",
                    "plan_order",
                )
            },
        ),
        (
            _("統計・計画"),
            {"fields": ("annual_volume", "my_number_card_online", "priority_online")},
        ),
    )

    def _municipalities(self, queryset: QuerySet) -> list[Municipality]:
        return list(Municipality.objects.filter(pk__in=queryset.values("municipality")))

    @admin.action(description=_("選択した手続を JSON で書き出す"))
    def export_json(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        munis = self._municipalities(queryset)
        if len(munis) != 1:
            self.message_user(request, _("1つの団体の手続を選んでください"), messages.ERROR)
            return None
        data = services.export_catalogue(munis[0])
        codes = set(queryset.values_list("code", flat=True))
        data["procedures"] = [p for p in data["procedures"] if p["code"] in codes]
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="catalogue-{munis[0].code}.json"'
        return response

    @admin.action(description=_("団体の手続をすべて CSV で書き出す"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        munis = self._municipalities(queryset)
        if len(munis) != 1:
            self.message_user(request, _("1つの団体の手続を選んでください"), messages.ERROR)
            return None
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        services.export_catalogue_csv(munis[0], response)
        response["Content-Disposition"] = f'attachment; filename="catalogue-{munis[0].code}.csv"'
        return response

    def get_urls(self) -> list[Any]:
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="procedures_procedure_import",
            )
        ]
        return custom + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            return HttpResponse(status=403)
        form = CatalogueUploadForm(request.POST or None, request.FILES or None)
        own = admin_municipality(request)
        if not request.user.is_superuser:
            form.fields["municipality"].queryset = Municipality.objects.filter(
                pk=own.pk if own else None
            )
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            raw = upload.read(5_000_000 + 1)
            try:
                if len(raw) > 5_000_000:
                    raise ValueError(
                        "ファイルが大きすぎます（5MBまで） / file too large (max 5 MB)"
                    )
                text = raw.decode("utf-8-sig")
                data = (
                    json.loads(text)
                    if upload.name.lower().endswith(".json")
                    else services.read_catalogue_csv(text)
                )
                report = services.import_catalogue(
                    form.cleaned_data["municipality"],
                    data,
                    user=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except (ValueError, UnicodeDecodeError) as exc:
                form.add_error("file", str(exc))
            else:
                if report.ok and not form.cleaned_data["dry_run"]:
                    self.message_user(
                        request,
                        _("取り込みました: 新規 %(c)d 件、更新 %(u)d 件")
                        % {"c": report.created, "u": report.updated},
                    )
                    return redirect("admin:procedures_procedure_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "report": report,
            "title": _("手続カタログの取込"),
            "opts": self.model._meta,
        }
        status = (
            400 if request.method == "POST" and (form.errors or (report and not report.ok)) else 200
        )
        return render(request, "admin/procedures/procedure/import.html", context, status=status)
