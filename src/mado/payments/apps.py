"""App config for ``payments``: fees, payment providers, webhooks and the expected-payment ledger."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "mado.payments"
    label = "payments"
    verbose_name = _("手数料・収納")

    def ready(self) -> None:
        """Register the demo fee rules as a seed_demo step."""
        from mado.payments.demo import register_demo_step

        register_demo_step()
