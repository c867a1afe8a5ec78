"""Admin for the embedded registry: households, residents, tax summaries.

The admin is a configuration and correction tool, not the clerk's screen (that
is /staff/residents/), so it follows the same rules as the staff shell: a city
administrator sees only their municipality's rows, 個人番号 is never shown
(only whether one is registered), opening a resident is an audited read, a
name change rebuilds the search tokens, and registry rows are never deleted
here (a resident who leaves is 消除 by status, the record stays).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from mado.core import audit
from mado.core.admin import TenantAdminMixin
from mado.registry import services
from mado.registry.models import Household, ResidentRecord, TaxSummary

# Fields copied into the search tokens: a change to any of them rebuilds the tokens.
NAME_FIELDS = {
    "status",
    "birth_date",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "former_surname",
    "former_surname_kana",
    "alias_name",
}


class ResidentInline(TenantAdminMixin, admin.TabularInline):
    model = ResidentRecord
    fields = ("atena_number", "family_name", "given_name", "relationship", "birth_date", "status")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Household)
class HouseholdAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ("household_number", "municipality", "updated_at")
    list_filter = ("municipality",)
    search_fields = ("household_number",)
    inlines = [ResidentInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ResidentRecord)
class ResidentRecordAdmin(TenantAdminMixin, admin.ModelAdmin):
    audit_target = "resident"
    list_display = (
        "atena_number",
        "full_name",
        "full_name_kana",
        "birth_date",
        "sex",
        "status",
        "municipality",
    )
    list_filter = ("municipality", "status", "nationality_type", "sex")
    search_fields = (
        "atena_number",
        "family_name_kana",
        "given_name_kana",
        "family_name",
        "given_name",
    )
    raw_id_fields = ("household",)
    readonly_fields = ("my_number_registered", "created_at", "updated_at")
    # my_number_encrypted / my_number_hash are not editable and never listed.
    fieldsets = (
        (None, {"fields": ("municipality", "atena_number", "status", "status_date")}),
        (
            _("氏名"),
            {
                "fields": (
                    "family_name",
                    "given_name",
                    "family_name_kana",
                    "given_name_kana",
                    "former_surname",
                    "former_surname_kana",
                    "alias_name",
                )
            },
        ),
        (_("基本情報"), {"fields": ("birth_date", "sex", "household", "relationship")}),
        (
            _("住所"),
            {
                "fields": (
                    "postal_code",
                    "address",
                    "address_extra",
                    "address_since",
                    "resident_since",
                    "previous_address",
                )
            },
        ),
        (
            _("国籍・本籍"),
            {
                "fields": (
                    "nationality_type",
                    "honseki",
                    "hittousha",
                    "nationality",
                    "residence_status",
                    "residence_expiry",
                )
            },
        ),
        (
            _("資格"),
            {
                "fields": (
                    "national_health_insurance",
                    "late_elderly_insurance",
                    "long_term_care_insurance",
                    "national_pension_type1",
                    "child_allowance",
                )
            },
        ),
        (_("個人番号"), {"fields": ("my_number_registered",)}),
        (None, {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("氏名"))
    def full_name(self, obj: ResidentRecord) -> str:
        return obj.full_name

    @admin.display(description=_("フリガナ"))
    def full_name_kana(self, obj: ResidentRecord) -> str:
        return obj.full_name_kana

    @admin.display(description=_("個人番号"))
    def my_number_registered(self, obj: ResidentRecord) -> str:
        if obj.pk and obj.has_my_number:
            return str(_("登録あり(表示できません) / registered (never shown here)"))
        return str(_("登録なし / not registered"))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if request.method == "GET":
            obj = self.get_object(request, object_id)
            if obj is not None:
                audit.record(
                    audit.Action.READ,
                    user=request.user,
                    municipality=obj.municipality,
                    target_type="resident",
                    target_id=obj.pk,
                    reason="管理画面での閲覧 / admin view",
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(
        self, request: HttpRequest, obj: ResidentRecord, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if not change or NAME_FIELDS & set(form.changed_data):
            services.reindex(obj)


@admin.register(TaxSummary)
class TaxSummaryAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = (
        "resident",
        "fiscal_year",
        "income",
        "taxable",
        "declared",
        "has_arrears",
        "municipality",
    )
    list_filter = ("municipality", "fiscal_year", "taxable", "has_arrears", "declared")
    search_fields = ("resident__atena_number", "resident__family_name_kana")
    raw_id_fields = ("resident",)
