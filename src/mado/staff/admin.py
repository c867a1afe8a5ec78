"""Admin for the sign-in records: reset a lost authenticator, lift a lock early.

Nothing secret is shown or editable: a device can only be deleted (the person
enrols again at the next sign-in) and a lock row only deleted.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mado.staff.models import LoginThrottle, RecoveryCode, TwoFactorDevice


class _DeleteOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TwoFactorDevice)
class TwoFactorDeviceAdmin(_DeleteOnly):
    list_display = ("user", "confirmed", "created_at", "confirmed_at")
    search_fields = ("user__username",)
    exclude = ("secret_encrypted",)

    def delete_model(self, request: HttpRequest, obj: TwoFactorDevice) -> None:
        RecoveryCode.objects.filter(user_id=obj.user_id).delete()
        super().delete_model(request, obj)


@admin.register(LoginThrottle)
class LoginThrottleAdmin(_DeleteOnly):
    list_display = ("key", "failures", "window_start", "locked_until")
    search_fields = ("key",)
