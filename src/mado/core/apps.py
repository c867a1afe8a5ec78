"""App config for ``core``: tenants, departments, staff roles, audit log, Japanese text."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "mado.core"
    verbose_name = _("基盤")

    def ready(self) -> None:
        from mado.core import checks  # noqa: F401  (registers system checks)
