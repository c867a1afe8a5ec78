"""App config for ``staff``: the staff shell (sign-in, department home, navigation)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "mado.staff"
    verbose_name = _("職員画面")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin

        from mado.staff import signals  # noqa: F401  (connects the audit receivers)
        from mado.staff.login_views import admin_login

        # One door for people: the admin's login goes through the staff sign-in
        # (lockout and second factor) instead of its own password-only form.
        admin.site.login = admin_login  # type: ignore[method-assign]
