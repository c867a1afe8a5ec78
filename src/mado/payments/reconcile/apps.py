"""App config for ``payments_reconcile``: Reconciliation (消込): provider settlements and bank / eL-QR-style payment files matched to expected payments."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconcileConfig(AppConfig):
    name = "mado.payments.reconcile"
    label = "payments_reconcile"
    verbose_name = _("消込")
