"""App config for ``procedures``: the procedure catalogue (手続) and its applicability rules."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "mado.procedures"
    verbose_name = _("手続")

    def ready(self) -> None:
        from mado.procedures.demo import register_demo_step

        register_demo_step()
