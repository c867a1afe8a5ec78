"""App config for ``casework``: Back office: department case inboxes, automatic review, approval routes, decisions, exports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "mado.casework"
    label = "casework"
    verbose_name = _("案件")

    def ready(self) -> None:
        from mado.casework.demo import register_demo_step

        register_demo_step()
