"""App config for ``navigator``: the life-event navigator (手続ナビ)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NavigatorConfig(AppConfig):
    name = "mado.navigator"
    verbose_name = _("手続ナビ")
