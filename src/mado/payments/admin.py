"""Admin for payments: fee rules are configuration staff edit; payments and events are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from mado.payments.models import FeeRule, Payment, ProviderEvent, Refund


class FeeRuleForm(forms.ModelForm):
    class Meta:
        model = FeeRule
        fields = ["municipality", "procedure_code", "kind", "amount_yen", "copies_field", "expression",
                  "exempt_when", "exemption_reason", "timing", "note", "is_active"]

    def clean(self) -> dict[str, Any]:
        from mado.payments.fees import check_rule
        from mado.procedures.models import Procedure

        data = super().clean()
        rule = FeeRule(**{k: v for k, v in data.items() if k in {f.name for f in FeeRule._meta.fields}})
        definition = None
        procedure = Procedure.unscoped.filter(municipality=data.get("municipality"),
                                              code=data.get("procedure_code")).first()
        if procedure is not None:
            from mado.eforms.models import FormVersion

            version = (FormVersion.unscoped.filter(form__procedure=procedure)
                       .order_by("-pk").first())
            definition = version.definition if version is not None else None
        for problem in check_rule(rule, definition):
            self.add_error(None, problem)
        return data


@admin.register(FeeRule)
class FeeRuleAdmin(admin.ModelAdmin):
    form = FeeRuleForm
    list_display = ("procedure_code", "municipality", "kind", "amount_yen", "timing", "is_active")
    list_filter = ("municipality", "kind", "timing", "is_active")
    search_fields = ("procedure_code",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ("reference", "municipality", "description", "amount_yen", "status", "method",
                    "channel", "paid_at")
    list_filter = ("municipality", "status", "method", "channel")
    search_fields = ("reference", "description")


@admin.register(Refund)
class RefundAdmin(ReadOnly):
    list_display = ("payment", "amount_yen", "reason", "at", "confirmed_at")


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnly):
    list_display = ("provider", "event_id", "kind", "payment", "received_at")
