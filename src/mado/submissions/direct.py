"""Submissions that arrive complete: one transaction, no draft round trip.

Why a second entrance beside ``create_draft`` + ``submit``: the web flow needs
a draft (the resident types over several pages and may resume later), but a
channel that delivers an application in one piece — the JSON API a kiosk or
LINE uses, the no-writing counter that confirms several procedures at once,
the ぴったりサービス / 引越しOSS import — would pay for a draft insert, a
re-read under lock and an update it does not need. :func:`create_submitted`
writes the same records as the draft path in the same transaction — receipt
number, Submission in status ``submitted``, StatusChange draft → submitted,
the ``form_started`` and ``submitted`` ServiceEvents and the audit entry — in
about a third of the SQL statements (the throughput goal of issue 4).

The records are deliberately identical to what ``submit`` produces (a test
compares them), so the back office and the KPIs cannot tell the entrances
apart except by channel.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from mado.core import audit
from mado.core.models import Municipality
from mado.submissions import completion, receipts
from mado.submissions.attachments import set_submission_attachments
from mado.submissions.events import FORM_STARTED, SUBMITTED, build_event
from mado.submissions.models import ServiceEvent, Status, StatusChange, Submission
from mado.submissions.signals import submission_submitted

__all__ = ["create_submitted"]


def create_submitted(
    municipality: Municipality,
    procedure: Any,
    form_version: Any,
    data: dict[str, Any],
    *,
    channel: str,
    identity: dict[str, Any] | None,
    resident: Any = None,
    proxy: dict[str, Any] | None = None,
    fee_yen: int = 0,
    fields_prefilled: int = 0,
    fields_typed: int = 0,
    duration_ms: int | None = None,
    attachment_refs: Iterable[str] | None = None,
    by: Any = "resident",
    deferred: bool = False,
) -> Submission:
    """Create a submission directly in status ``submitted`` with its receipt number.

    Same checks as :func:`mado.submissions.services.create_draft` and
    :func:`~mado.submissions.services.submit` (tenant of procedure, form and
    resident; identity level of online forms; proxy details; channel), and the
    same records. Call it inside a larger ``transaction.atomic()`` to make
    several submissions all-or-nothing (the counter does).

    ``deferred=True`` (the public JSON API, without attachments) writes only
    the submission with its receipt number now and leaves the StatusChange,
    ServiceEvents, audit entry and case to :mod:`mado.submissions.completion`,
    which writes them for many submissions at once (see there why).
    """
    from mado.submissions import services

    if not isinstance(data, dict):
        raise ValueError("入力内容が不正です / data must be an object")
    if channel not in services.CHANNELS:
        raise ValueError(f"受付方法が不正です: {channel!r} / invalid channel {channel!r}")
    if fee_yen < 0:
        raise ValueError("手数料が不正です / fee must not be negative")
    if procedure.municipality_id != municipality.pk:
        raise ValueError("他の団体の手続です / procedure of another municipality")
    if form_version is not None and form_version.municipality_id != municipality.pk:
        raise ValueError("他の団体の様式です / form of another municipality")
    if resident is not None and resident.municipality_id != municipality.pk:
        raise ValueError("他の団体の住民です / resident of another municipality")
    level, subject, email = services._identity_fields(identity)
    clean_proxy = services._clean_proxy(proxy)
    user, actor = services._actor(by)
    sub = Submission(
        municipality=municipality,
        procedure=procedure,
        form_version=form_version,
        channel=channel,
        status=Status.SUBMITTED,
        data=dict(data),
        identity_level=level,
        identity_subject=subject,
        applicant_email=email,
        resident=resident,
        proxy=clean_proxy,
        fee_yen=fee_yen,
    )
    services._check_identity_level(sub, level)
    if deferred:
        if attachment_refs:
            raise ValueError("添付のある申請は後続処理を遅らせられません / attachments need the direct path")
        return completion.create_pending(
            sub,
            {
                "fields_prefilled": fields_prefilled,
                "fields_typed": fields_typed,
                "duration_ms": duration_ms,
                "actor": actor,
                "user_id": user.pk if user else None,
            },
        )
    with transaction.atomic():
        now = timezone.now()
        sub.submitted_at = now
        sub.save(force_insert=True)
        set_submission_attachments(sub, attachment_refs if attachment_refs else None)
        StatusChange.unscoped.create(
            municipality=municipality,
            submission=sub,
            from_status=Status.DRAFT,
            to_status=Status.SUBMITTED,
            at=now,
            changed_by=user,
            actor=actor,
        )
        ServiceEvent.unscoped.bulk_create(
            [
                build_event(municipality, FORM_STARTED, submission=sub, at=now),
                build_event(
                    municipality,
                    SUBMITTED,
                    submission=sub,
                    fields_prefilled=fields_prefilled,
                    fields_typed=fields_typed,
                    duration_ms=duration_ms,
                    at=now,
                    detail={
                        "identity_level": level,
                        "proxy": bool(clean_proxy),
                        "resubmitted": False,
                    },
                ),
            ]
        )
        # The receipt counter row and the audit chain head are the two locks every
        # submission of the city shares; they are held until COMMIT, so they are
        # taken last, after everything that needs no lock.
        sub.receipt_number = receipts.allocate_receipt_number(municipality, now)
        Submission.unscoped.filter(pk=sub.pk).update(receipt_number=sub.receipt_number)
        audit.record(
            "submit",
            user=user,
            actor="" if user else actor,
            municipality=municipality,
            target_type="submission",
            target_id=sub.pk,
            reason="申請の提出 / submission",
            detail={
                "receipt_number": sub.receipt_number,
                "procedure": procedure.code,
                "channel": channel,
                "identity_level": level,
                "from": Status.DRAFT,
            },
        )
        submission_submitted.send(sender=Submission, submission=sub, resubmitted=False, first=True)
    return sub
