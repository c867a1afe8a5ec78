"""The resident application flow (電子申請) at /apply/<procedure code>/ and /my/."""

from django.apps import AppConfig


class ApplyConfig(AppConfig):
    name = "mado.apply"
    label = "apply"
    verbose_name = "電子申請（住民）"

    def ready(self) -> None:
        """Clear find_form()'s memo when a form version, a form or a procedure changes."""
        from django.db.models.signals import post_delete, post_save

        from mado.apply.engine import clear_form_cache

        for model in ("eforms.FormVersion", "eforms.FormDefinition", "procedures.Procedure"):
            for signal in (post_save, post_delete):
                signal.connect(
                    clear_form_cache, sender=model, dispatch_uid=f"mado.form_cache.{model}"
                )
