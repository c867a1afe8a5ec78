"""App config for ``eforms``: form definitions as data (様式), validation, logic, prefill."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EformsConfig(AppConfig):
    name = "mado.eforms"
    verbose_name = _("様式")

    def ready(self) -> None:
        from mado.eforms.demo import register_demo_step

        register_demo_step()
