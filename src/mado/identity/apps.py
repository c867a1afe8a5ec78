"""App config for ``identity``: resident identity (e-mail link, My Number card simulator)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "mado.identity"
    verbose_name = _("本人確認")

    def ready(self) -> None:
        # Importing the public API registers the port's adapters (base.registry).
        from mado.identity import services  # noqa: F401
        from mado.identity.demo import register_demo_step

        register_demo_step()
