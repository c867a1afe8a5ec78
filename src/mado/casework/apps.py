"""App config for ``casework``: Back office: department case inboxes, automatic review, approval routes, decisions, exports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "mado.casework"
    label = "casework"
    verbose_name = _("案件")

    def ready(self) -> None:
        from mado.casework import sync
        from mado.casework.demo import register_demo_step
        from mado.submissions.signals import submission_submitted, submissions_submitted_batch

        register_demo_step()
        submission_submitted.connect(_open_case, dispatch_uid="mado.casework.open_case")
        submissions_submitted_batch.connect(_open_cases, dispatch_uid="mado.casework.open_cases")
        sync.connect()  # Case.status follows every StatusChange, in the same transaction


def _open_case(sender: object, submission: object, **kwargs: object) -> None:
    """Every submitted application becomes a case in its department's inbox at once."""
    from mado.casework.services import open_case

    open_case(submission, new=bool(kwargs.get("first")))


def _open_cases(sender: object, submissions: list, **kwargs: object) -> None:
    """Submissions completed later (the JSON API) get their cases in one INSERT."""
    from mado.casework.services import open_new_cases

    open_new_cases(submissions)
