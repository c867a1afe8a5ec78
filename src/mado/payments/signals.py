"""事後決済 hook: when staff approve a submission, its after-review fee becomes payable.

Why a signal on StatusChange rather than a call in the submissions app:
payments sits above submissions (dependencies point downward), so
submissions must not import payments. Every approval writes one StatusChange
row; reacting to it here keeps the dependency direction. The work runs in a
savepoint so a fee problem never undoes the approval itself; /my/ also calls
:func:`~mado.payments.services.ensure_after_review_payment`, so a payment
missed here is created when the resident looks.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

log = logging.getLogger(__name__)


def _on_status_change(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or instance.to_status != "approved" or kwargs.get("raw"):
        return
    from mado.payments.services import ensure_after_review_payment

    try:
        with transaction.atomic():
            ensure_after_review_payment(instance.submission)
    except Exception:
        log.exception("after-review payment for submission %s not created", instance.submission_id)


def connect() -> None:
    post_save.connect(_on_status_change, sender="submissions.StatusChange",
                      dispatch_uid="mado.payments.after_review")
