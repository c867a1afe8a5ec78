"""Admin for submissions: read-only views scoped to the administrator's municipality.

Submissions, their history and KPI events are records, not configuration:
the admin shows them (for support and audits) but never edits them, because
a status change must go through :func:`mado.submissions.services.change_status`
(transition table, StatusChange, ServiceEvent, audit). Attachments are listed
without a download link; staff download through a checked view (later issue).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from mado.core.admin import TenantAdminMixin
from mado.submissions.models import Attachment, ServiceEvent, StatusChange, Submission


class ReadOnlyMixin:
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        declared = list(getattr(self, "readonly_extra", ()))
        return [f.name for f in self.model._meta.fields] + declared  # type: ignore[attr-defined]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StatusChangeInline(TenantAdminMixin, ReadOnlyMixin, admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = ("at", "from_status", "to_status", "actor", "note", "visible_to_resident")
    ordering = ("at", "pk")


class AttachmentInline(TenantAdminMixin, ReadOnlyMixin, admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("field_key", "original_name", "content_type", "size", "sha256", "created_at")


@admin.register(Submission)
class SubmissionAdmin(TenantAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "receipt_number",
        "procedure",
        "status",
        "channel",
        "identity_level",
        "submitted_at",
        "municipality",
    )
    list_filter = ("municipality", "status", "channel", "identity_level")
    search_fields = ("receipt_number", "procedure__code", "procedure__name")
    date_hierarchy = "created_at"
    exclude = ("data", "resume_token_hash")
    readonly_extra = ("data_pretty",)
    inlines = [StatusChangeInline, AttachmentInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        hidden = {"data", "resume_token_hash"}
        return [f for f in super().get_readonly_fields(request, obj) if f not in hidden]

    @admin.display(description=_("入力内容"))
    def data_pretty(self, obj: Submission) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.data, ensure_ascii=False, indent=2, sort_keys=True)
        )


@admin.register(ServiceEvent)
class ServiceEventAdmin(TenantAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "at",
        "kind",
        "channel",
        "procedure_code",
        "fields_prefilled",
        "fields_typed",
        "duration_ms",
        "municipality",
    )
    list_filter = ("municipality", "kind", "channel")
    search_fields = ("procedure_code",)
    date_hierarchy = "at"
