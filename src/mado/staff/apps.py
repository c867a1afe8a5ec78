"""App config for ``staff``: the staff shell (sign-in, department home, navigation)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "mado.staff"
    verbose_name = _("職員画面")

    def ready(self) -> None:
        from mado.staff import signals  # noqa: F401  (connects the audit receivers)
