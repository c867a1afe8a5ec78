"""Keeps the copy of the submission status on ``Case`` equal to the submission's.

Why a copy at all: the inbox counts cases per status and filters by status and
channel over tens of thousands of cases; reading the status through the
submission costs one primary-key lookup per case (or a scan of the whole
submissions table), which is what kept the inbox above its 50 ms goal. With
the status on the case, counts are an index-only scan of ``case_inbox_status_idx``.

Why a ``post_save`` receiver on ``StatusChange``: every status move writes one
StatusChange row, inside the transaction that moves the status
(``submissions.services.change_status`` and ``submit``), and ``submissions``
must not import ``casework``. The UPDATE therefore commits or rolls back with
the move itself. The change out of ``draft`` is skipped: a draft has no case
yet, and ``open_case`` / ``ensure_cases`` write the starting status and channel
when the case is created — so the throughput-critical first submission pays no
extra statement. ``channel`` never changes once submitted, so it is only
written at creation.

Anything that changes ``Submission.status`` without a StatusChange (a raw
``update()``, fixtures loaded with ``raw``) bypasses this; :func:`resync`
repairs such rows set-based.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.signals import post_save

from mado.submissions.models import Status, Submission


def _on_status_change(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw") or instance.from_status == Status.DRAFT:
        return
    from mado.casework.models import Case

    Case.unscoped.filter(submission_id=instance.submission_id).update(status=instance.to_status)


def connect() -> None:
    """Connect the receiver (called from ``CaseworkConfig.ready``)."""
    post_save.connect(_on_status_change, sender="submissions.StatusChange",
                      dispatch_uid="mado.casework.case_status")


def resync(municipality: Any = None) -> int:
    """Set every case's status and channel from its submission where they differ; return count."""
    from mado.casework.models import Case

    source = Submission.unscoped.filter(pk=OuterRef("submission_id"))
    qs = Case.unscoped.all()
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    stale = qs.filter(~Q(status=F("submission__status")) | ~Q(channel=F("submission__channel")))
    return Case.unscoped.filter(pk__in=stale.values("pk")).update(
        status=Subquery(source.values("status")[:1]),
        channel=Subquery(source.values("channel")[:1]))
