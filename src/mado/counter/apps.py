"""App config for ``counter``: The no-writing one-stop counter (書かないワンストップ窓口) and pre-visit QR (来庁前申請)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CounterConfig(AppConfig):
    name = "mado.counter"
    label = "counter"
    verbose_name = _("書かない窓口")

    def ready(self) -> None:
        from mado.counter.demo import register_demo_step

        register_demo_step()
