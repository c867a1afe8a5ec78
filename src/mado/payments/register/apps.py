"""App config for ``payments_register``: The counter register (POS-like): certificate fees rung up at the counter, cash and cashless, daily sheet."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "mado.payments.register"
    label = "payments_register"
    verbose_name = _("窓口レジ")
