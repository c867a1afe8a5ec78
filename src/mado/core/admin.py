"""Admin for configuration: municipalities, departments, staff, API tokens, the audit log.

The admin is where a city's DX office configures Mado, and in a shared
deployment (joint procurement) several cities' administrators use the same
site. :class:`TenantAdminMixin` therefore limits every list, every foreign-key
choice and every save of a non-superuser to the municipality of their staff
profile; superusers work across municipalities (the tenant scope is lifted for
their requests). The audit log is read-only for everyone, API tokens show only
their prefix and hash (the secret is never stored), and every change made here
is appended to the audit chain as well as to Django's own admin history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mado.core import audit
from mado.core.models import (
    ApiToken,
    AuditEntry,
    Department,
    Municipality,
    StaffMembership,
    StaffProfile,
)
from mado.core.tenancy import TenantOwned, use_municipality

User = get_user_model()


def admin_municipality(request: HttpRequest) -> Municipality | None:
    """The municipality a non-superuser administers (None: superuser or no profile)."""
    profile = getattr(request.user, "staff_profile", None)
    return profile.municipality if profile is not None else None


def _owned_by(model: type[models.Model]) -> str | None:
    """The lookup from ``model`` to its municipality, if it has one."""
    if model is Municipality:
        return "pk"
    if issubclass(model, TenantOwned) or model is AuditEntry:
        return "municipality"
    if model is StaffProfile:
        return "municipality"
    if model is User:
        return "staff_profile__municipality"
    return None


def scope_queryset(request: HttpRequest, qs: QuerySet) -> QuerySet:
    """All rows for superusers; the own municipality's rows for everyone else."""
    if request.user.is_superuser:
        return qs
    lookup = _owned_by(qs.model)
    if lookup is None:
        return qs
    municipality = admin_municipality(request)
    if municipality is None:
        return qs.none()
    return qs.filter(**{lookup: municipality.pk})


def _base_queryset(model: type[models.Model]) -> QuerySet:
    manager = getattr(model, "unscoped", None) or model._default_manager
    return manager.all()


class TenantAdminMixin:
    """Limit a ModelAdmin (or inline) to the acting user's municipality, and audit changes."""

    audit_target: str = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = _base_queryset(self.model)
        ordering = self.get_ordering(request)  # type: ignore[attr-defined]
        if ordering:
            qs = qs.order_by(*ordering)
        return scope_queryset(request, qs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        related = db_field.remote_field.model
        if "queryset" not in kwargs and _owned_by(related) is not None:
            kwargs["queryset"] = scope_queryset(request, _base_queryset(related))
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        municipality = admin_municipality(request)
        if (
            formfield is not None
            and related is Municipality
            and municipality is not None
            and not request.user.is_superuser
        ):
            formfield.initial = municipality.pk
        return formfield

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if not request.user.is_superuser and admin_municipality(request) is None:
            return False
        return super().has_add_permission(request, *args)  # type: ignore[misc]

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))  # type: ignore[misc]
        if not request.user.is_superuser and "municipality" in filters:
            filters.remove("municipality")
        return filters

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        municipality = admin_municipality(request)
        if not request.user.is_superuser and hasattr(obj, "municipality_id"):
            obj.municipality = municipality
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        audit.record(
            audit.Action.UPDATE if change else audit.Action.CREATE,
            user=request.user,
            municipality=getattr(obj, "municipality", None)
            if hasattr(obj, "municipality_id")
            else (obj if isinstance(obj, Municipality) else municipality),
            target_type=self.audit_target or obj._meta.label_lower,
            target_id=obj.pk,
            reason="管理画面 / admin",
            detail={"fields": list(form.changed_data) if form is not None else []},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        pk = obj.pk
        super().delete_model(request, obj)  # type: ignore[misc]
        audit.record(
            audit.Action.DELETE,
            user=request.user,
            municipality=getattr(obj, "municipality", None)
            if hasattr(obj, "municipality_id")
            else None,
            target_type=self.audit_target or obj._meta.label_lower,
            target_id=pk,
            reason="管理画面 / admin",
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    # Superusers act across municipalities: lift the tenant scope for their requests.
    def _unscoped(
        self, request: HttpRequest, view: Callable[..., HttpResponse], *args: Any, **kwargs: Any
    ) -> HttpResponse:
        if request.user.is_superuser:
            with use_municipality(None):
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response.render()
                return response
        return view(request, *args, **kwargs)

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._unscoped(request, super().changelist_view, *args, **kwargs)  # type: ignore[misc]

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._unscoped(request, super().changeform_view, *args, **kwargs)  # type: ignore[misc]

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._unscoped(request, super().delete_view, *args, **kwargs)  # type: ignore[misc]

    def history_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._unscoped(request, super().history_view, *args, **kwargs)  # type: ignore[misc]


@admin.register(Municipality)
class MunicipalityAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "prefecture", "is_active")
    search_fields = ("code", "name", "name_kana")
    list_filter = ("prefecture", "is_active")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return ()
        return ("code", "is_active")


@admin.register(Department)
class DepartmentAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "municipality", "location", "phone", "sort_order")
    list_filter = ("municipality",)
    search_fields = ("name", "name_kana", "code")


class StaffMembershipInline(TenantAdminMixin, admin.TabularInline):
    model = StaffMembership
    fk_name = "user"
    extra = 0


class StaffProfileInline(TenantAdminMixin, admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fields = ("municipality", "display_name", "is_demo")
    readonly_fields = ("is_demo",)


@admin.register(StaffProfile)
class StaffProfileAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ("user", "display_name", "municipality", "is_demo")
    list_filter = ("municipality", "is_demo")
    search_fields = ("user__username", "display_name")
    raw_id_fields = ("user",)
    readonly_fields = ("is_demo",)


@admin.register(StaffMembership)
class StaffMembershipAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ("user", "department", "role", "municipality")
    list_filter = ("municipality", "role", "department")
    search_fields = ("user__username", "department__name")


@admin.register(ApiToken)
class ApiTokenAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Tokens are issued by ``issue_token`` (the secret is shown once, there); never here."""

    list_display = (
        "prefix",
        "name",
        "user",
        "municipality",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked",
    )
    list_filter = ("municipality", "revoked")
    search_fields = ("prefix", "name", "user__username")
    fields = (
        "municipality",
        "user",
        "name",
        "prefix",
        "key_hash",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked",
    )
    readonly_fields = ("municipality", "user", "prefix", "key_hash", "created_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("選択したトークンを失効させる"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for token in queryset.filter(revoked=False):
            ApiToken.unscoped.filter(pk=token.pk).update(revoked=True)
            audit.record(
                audit.Action.UPDATE,
                user=request.user,
                municipality=token.municipality,
                target_type="api_token",
                target_id=token.pk,
                reason="失効 / revoked",
                detail={"prefix": token.prefix},
            )
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(n)d 件のトークンを失効させました。",
                "%(n)d 件のトークンを失効させました。",
                count,
            )
            % {"n": count},
            messages.SUCCESS,
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Read-only: the log is append-only (database triggers refuse edits anyway)."""

    list_display = (
        "seq",
        "at",
        "municipality",
        "actor",
        "action",
        "target_type",
        "target_id",
        "reason",
    )
    list_filter = ("municipality", "action")
    search_fields = ("actor", "target_id", "reason")
    date_hierarchy = "at"
    ordering = ("-id",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MadoUserAdmin(TenantAdminMixin, UserAdmin):
    """Django's user admin with the staff profile and roles inline, scoped like the rest."""

    inlines = [StaffProfileInline, StaffMembershipInline]
    list_display = (
        "username",
        "staff_name",
        "staff_municipality",
        "is_active",
        "is_staff",
        "is_superuser",
    )

    @admin.display(description=_("表示名"))
    def staff_name(self, obj: Any) -> str:
        profile = getattr(obj, "staff_profile", None)
        return profile.display_name if profile is not None else ""

    @admin.display(description=_("団体"))
    def staff_municipality(self, obj: Any) -> str:
        profile = getattr(obj, "staff_profile", None)
        return str(profile.municipality) if profile is not None else ""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if not request.user.is_superuser:
            # Superusers' accounts (password, rights) are out of reach of city administrators.
            qs = qs.exclude(is_superuser=True)
        return qs

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser may make someone a superuser or grant model permissions.
            readonly += ["is_superuser", "user_permissions", "groups"]
        return readonly


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, MadoUserAdmin)

admin.site.site_header = _("Mado 管理画面")
admin.site.site_title = _("Mado 管理画面")
admin.site.index_title = _("設定")
