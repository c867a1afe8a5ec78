"""The resident application flow (電子申請) at /apply/<procedure code>/ and /my/."""

from django.apps import AppConfig


class ApplyConfig(AppConfig):
    name = "mado.apply"
    label = "apply"
    verbose_name = "電子申請（住民）"
