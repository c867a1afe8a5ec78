"""App config for ``tasks``: background work (purging drafts, sealing the audit log).

Label ``mado_tasks`` so it can never clash with django-tasks' own apps.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "mado.tasks"
    label = "mado_tasks"
    verbose_name = _("バックグラウンド処理")
