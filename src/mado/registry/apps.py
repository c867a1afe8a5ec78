"""App config for ``registry``: the resident registry port (住民記録)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "mado.registry"
    verbose_name = _("住民記録")
