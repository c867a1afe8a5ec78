"""Admin for the back office's configuration: review rules (validated), routes, templates, webhooks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from mado.casework import models
from mado.casework.decisions import NoticeTemplateError, render_template
from mado.casework.review import validate_review_rule
from mado.procedures.rules import RuleError


class ReviewRuleForm(forms.ModelForm):
    class Meta:
        model = models.ReviewRule
        fields = ["municipality", "procedure", "name", "expression", "refer_reason",
                  "sort_order", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        procedure, expression = data.get("procedure"), data.get("expression")
        if procedure is not None and expression:
            from mado.eforms.models import FormVersion

            version = (FormVersion.unscoped.filter(form__procedure=procedure)
                       .order_by("-number").first())
            try:
                validate_review_rule(expression, version.definition if version else None)
            except RuleError as exc:
                self.add_error("expression", str(exc))
        return data


@admin.register(models.ReviewRule)
class ReviewRuleAdmin(admin.ModelAdmin):
    form = ReviewRuleForm
    list_display = ("name", "procedure", "expression", "active", "sort_order")
    list_filter = ("active",)


class StepInline(admin.TabularInline):
    model = models.ApprovalStep
    extra = 1
    exclude = ("municipality",)


@admin.register(models.ApprovalRoute)
class ApprovalRouteAdmin(admin.ModelAdmin):
    list_display = ("name", "procedure", "allow_paper", "due_business_days")
    inlines = [StepInline]

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        for obj in formset.save(commit=False):
            obj.municipality_id = form.instance.municipality_id
            obj.save()
        formset.save_m2m()


class NoticeTemplateForm(forms.ModelForm):
    class Meta:
        model = models.NoticeTemplate
        fields = ["municipality", "procedure", "kind", "title", "body"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            render_template(data.get("title") or "", data.get("body") or "", {})
        except NoticeTemplateError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(models.NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):
    form = NoticeTemplateForm
    list_display = ("title", "procedure", "kind")


for model in (models.Delegation, models.CaseGrant, models.Webhook):
    admin.site.register(model)


@admin.register(models.Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("submission", "department", "procedure", "status", "channel", "due_date",
                    "review_outcome", "approval_state")
    list_filter = ("status", "channel")
    readonly_fields = ("status", "channel")  # copies of the submission's (casework.sync)
    raw_id_fields = ("submission", "assignee")
    list_select_related = ("submission", "department", "procedure")
