"""App config for ``submissions``: applications from every channel, attachments, receipts, KPI events."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "mado.submissions"
    verbose_name = _("申請・届出")
