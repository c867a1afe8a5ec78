"""Public API of ``submissions``: drafts, submit, status lifecycle, the resident's own list.

Other apps (the /apply/ flow, the counter, the back office, the national
portal import) call these functions rather than touching the models, so that
every channel produces the same records in the same order: a receipt number,
a StatusChange, a ServiceEvent for the KPIs and an audit entry — in one
transaction, or none of them.

The lifecycle (which status may follow which) is :mod:`mado.submissions.lifecycle`.

Save-and-resume drafts: :func:`create_draft` returns a secret token once; only
its SHA-256 is stored, so a database leak does not open residents' drafts.
Drafts expire 30 days after the last save and are then invisible to
:func:`find_draft` (and removed by :func:`purge_expired_drafts`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from mado.core import audit
from mado.core.models import Municipality
from mado.submissions import receipts
from mado.submissions.attachments import (
    AttachmentError,
    delete_stored,
    set_submission_attachments,
    store_upload,
)
from mado.submissions.direct import create_submitted
from mado.submissions.events import (
    FORM_STARTED,
    RESUMED,
    STATUS_CHANGED,
    SUBMITTED,
    record_event,
)
from mado.submissions.lifecycle import (
    OPEN_STATUSES,
    RESIDENT_TARGETS,
    TRANSITIONS,
    TransitionError,
    allowed_transitions,
    label,
)
from mado.submissions.models import (
    Attachment,
    IdentityLevel,
    Status,
    StatusChange,
    Submission,
    SubmissionChannel,
)
from mado.submissions.receipts import ReceiptNumberError, validate_receipt_number
from mado.submissions.signals import submission_submitted

__all__ = [
    "DRAFT_LIFETIME",
    "TRANSITIONS",
    "AttachmentError",
    "DraftExpired",
    "IdentityTooWeak",
    "ReceiptNumberError",
    "TransitionError",
    "allowed_transitions",
    "change_status",
    "create_draft",
    "create_submitted",
    "find_by_receipt_number",
    "find_draft",
    "identity_owns",
    "is_open",
    "purge_expired_drafts",
    "record_event",
    "resume_draft",
    "status_histories",
    "status_history",
    "store_upload",
    "submissions_for_identity",
    "submit",
    "update_draft",
    "validate_receipt_number",
]

DRAFT_LIFETIME = dt.timedelta(days=30)
RESIDENT = "resident"
SYSTEM = "system"


class DraftExpired(ValueError):
    """The draft is past its 30 days (or no longer a draft)."""


class IdentityTooWeak(ValueError):
    """The form asks for a stronger identity (e.g. the My Number card) than was given."""


_LEVEL_RANK = {IdentityLevel.NONE: 0, IdentityLevel.EMAIL: 1, IdentityLevel.CARD: 2}


# Sets built once: an enum's ``.values`` builds its list (and labels) on every access.
CHANNELS = frozenset(SubmissionChannel.values)
_IDENTITY_LEVELS = frozenset(IdentityLevel.values)
_STATUSES = frozenset(Status.values)


def _check_identity_level(sub: Submission, level: str) -> None:
    """Online submissions must meet the form's minimum identity (staff verify at the counter)."""
    if sub.channel != SubmissionChannel.WEB or sub.form_version is None:
        return
    required = (sub.form_version.definition or {}).get("identity") or IdentityLevel.NONE
    if _LEVEL_RANK.get(level, 0) < _LEVEL_RANK.get(required, 0):
        needed = IdentityLevel(required).label if required in IdentityLevel.values else required
        raise IdentityTooWeak(
            f"この申請には本人確認({needed})が必要です / "
            f"this application requires identity verification ({required})"
        )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _identity_fields(identity: dict[str, Any] | None) -> tuple[str, str, str]:
    """(level, subject, email) of a verified identity dict (None: no identity)."""
    identity = identity or {}
    level = identity.get("level") or IdentityLevel.NONE
    if level not in _IDENTITY_LEVELS:
        raise ValueError(
            f"本人確認のレベルが不正です: {level!r} / invalid identity level {level!r}"
        )
    subject = str(identity.get("subject") or "")[:200] if level != IdentityLevel.NONE else ""
    return level, subject, str(identity.get("email") or "")[:254]


def _clean_proxy(proxy: dict[str, Any] | None) -> dict[str, str]:
    if not proxy:
        return {}
    if not isinstance(proxy, dict):
        raise ValueError("代理人の情報が不正です / invalid proxy details")
    clean = {k: str(proxy.get(k) or "").strip()[:200] for k in ("name", "relationship", "contact")}
    if not any(clean.values()):
        return {}
    if not clean["name"]:
        raise ValueError("代理人の氏名を入力してください / the proxy's name is required")
    return clean


def _actor(by: Any) -> tuple[Any, str]:
    """(user or None, actor label) for ``by``: a staff user, "resident" or "system"."""
    if by in (RESIDENT, SYSTEM, None):
        return None, by or RESIDENT
    if getattr(by, "is_authenticated", False):
        return by, by.get_username()
    raise ValueError(f"変更者が不正です: {by!r} / invalid actor {by!r}")


def create_draft(
    municipality: Municipality,
    procedure: Any,
    form_version: Any,
    *,
    channel: str,
    identity: dict[str, Any] | None,
    resident: Any = None,
) -> tuple[Submission, str]:
    """Start an application; return it with its resume token (shown once, stored hashed)."""
    if channel not in CHANNELS:
        raise ValueError(f"受付方法が不正です: {channel!r} / invalid channel {channel!r}")
    if procedure.municipality_id != municipality.pk:
        raise ValueError("他の団体の手続です / procedure of another municipality")
    if form_version is not None and getattr(form_version, "municipality_id", municipality.pk) != (
        municipality.pk
    ):
        raise ValueError("他の団体の様式です / form of another municipality")
    if resident is not None and resident.municipality_id != municipality.pk:
        raise ValueError("他の団体の住民です / resident of another municipality")
    level, subject, email = _identity_fields(identity)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        sub = Submission(
            municipality=municipality,
            procedure=procedure,
            form_version=form_version,
            channel=channel,
            status=Status.DRAFT,
            identity_level=level,
            identity_subject=subject,
            applicant_email=email,
            resident=resident,
            resume_token_hash=_hash_token(token),
            draft_expires_at=timezone.now() + DRAFT_LIFETIME,
        )
        sub.save()
        record_event(municipality, FORM_STARTED, submission=sub)
    return sub, token


def find_draft(municipality: Municipality, token: str) -> Submission | None:
    """The unexpired draft of ``municipality`` opened by ``token``, or None."""
    if not token or len(token) > 200:
        return None
    return (
        Submission.unscoped.select_related("procedure", "form_version")
        .filter(
            municipality=municipality,
            status=Status.DRAFT,
            resume_token_hash=_hash_token(token),
            draft_expires_at__gt=timezone.now(),
        )
        .first()
    )


def resume_draft(municipality: Municipality, token: str) -> Submission | None:
    """:func:`find_draft`, recording a ``resumed`` ServiceEvent when found."""
    sub = find_draft(municipality, token)
    if sub is not None:
        record_event(municipality, RESUMED, submission=sub)
    return sub


def update_draft(sub: Submission, data: dict[str, Any], *, replace: bool = False) -> Submission:
    """Save entered values into a draft (merged into what is there unless ``replace``).

    Each save keeps the draft for another 30 days.
    """
    if not isinstance(data, dict):
        raise ValueError("入力内容が不正です / data must be an object")
    if sub.status != Status.DRAFT:
        raise TransitionError(
            f"{label(sub.status)}の申請は下書きとして保存できません / only drafts can be saved"
        )
    now = timezone.now()
    if sub.draft_expires_at is not None and sub.draft_expires_at <= now:
        raise DraftExpired(
            "下書きの保存期限(30日)を過ぎています。最初から入力してください / "
            "this draft has expired (30 days); please start again"
        )
    sub.data = dict(data) if replace else {**(sub.data or {}), **data}
    sub.draft_expires_at = now + DRAFT_LIFETIME
    sub.save(update_fields=["data", "draft_expires_at", "updated_at"])
    return sub


def _lock(sub: Submission) -> Submission:
    return (
        Submission.unscoped.select_for_update(of=("self",))
        .select_related("procedure", "municipality", "form_version")
        .get(pk=sub.pk)
    )


def _write_status(locked: Submission, expected: str, fields: list[str]) -> None:
    """Save with a guard on the previous status (SQLite has no row locks: first writer wins)."""
    values = {f: getattr(locked, f) for f in fields}
    values["updated_at"] = timezone.now()
    done = Submission.unscoped.filter(pk=locked.pk, status=expected).update(**values)
    if not done:
        raise TransitionError(
            "この申請は同時に更新されました。画面を読み込み直してください / "
            "the submission was changed meanwhile; please reload"
        )
    locked.updated_at = values["updated_at"]


def submit(
    sub: Submission,
    data: dict[str, Any],
    *,
    identity: dict[str, Any] | None,
    proxy: dict[str, Any] | None = None,
    fee_yen: int = 0,
    fields_prefilled: int = 0,
    fields_typed: int = 0,
    duration_ms: int | None = None,
    attachment_refs: Iterable[str] | None = None,
    by: Any = RESIDENT,
) -> Submission:
    """Submit a draft (or resubmit after 差戻し) with its validated ``data``.

    A first submission receives its receipt number. Writes the StatusChange,
    a ``submitted`` ServiceEvent with the prefilled/typed counts and an audit
    entry, all in one transaction. ``by`` is "resident" or the counter staff user.
    ``attachment_refs``: the references of the files the data refers to; the
    submission's attachments become exactly these (None leaves them as they are).
    """
    if not isinstance(data, dict):
        raise ValueError("入力内容が不正です / data must be an object")
    if fee_yen < 0:
        raise ValueError("手数料が不正です / fee must not be negative")
    level, subject, email = _identity_fields(identity)
    clean_proxy = _clean_proxy(proxy)
    user, actor = _actor(by)
    with transaction.atomic():
        locked = _lock(sub)
        previous = locked.status
        _check_identity_level(locked, level)
        if previous not in (Status.DRAFT, Status.RETURNED):
            raise TransitionError(
                f"{label(previous)}の申請は提出できません / "
                f"a submission in status {previous!r} cannot be submitted"
            )
        now = timezone.now()
        locked.data = dict(data)
        locked.identity_level, locked.identity_subject = level, subject
        locked.applicant_email = email or locked.applicant_email
        locked.proxy = clean_proxy
        locked.fee_yen = fee_yen
        locked.status = Status.SUBMITTED
        locked.resume_token_hash = ""
        locked.draft_expires_at = None
        if not locked.receipt_number:
            locked.receipt_number = receipts.allocate_receipt_number(locked.municipality, now)
            locked.submitted_at = now
        fields = [
            "data",
            "identity_level",
            "identity_subject",
            "applicant_email",
            "proxy",
            "fee_yen",
            "status",
            "resume_token_hash",
            "draft_expires_at",
            "receipt_number",
            "submitted_at",
        ]
        _write_status(locked, previous, fields)
        set_submission_attachments(locked, attachment_refs)
        StatusChange.unscoped.create(
            municipality=locked.municipality,
            submission=locked,
            from_status=previous,
            to_status=Status.SUBMITTED,
            at=now,
            changed_by=user,
            actor=actor,
            note="" if previous == Status.DRAFT else "再提出 / resubmitted",
        )
        record_event(
            locked.municipality,
            SUBMITTED,
            submission=locked,
            fields_prefilled=fields_prefilled,
            fields_typed=fields_typed,
            duration_ms=duration_ms,
            at=now,
            detail={
                "identity_level": level,
                "proxy": bool(clean_proxy),
                "resubmitted": previous == Status.RETURNED,
            },
        )
        audit.record(
            "submit",
            user=user,
            actor="" if user else actor,
            municipality=locked.municipality,
            target_type="submission",
            target_id=locked.pk,
            reason="申請の提出 / submission",
            detail={
                "receipt_number": locked.receipt_number,
                "procedure": locked.procedure.code,
                "channel": locked.channel,
                "identity_level": level,
                "from": previous,
            },
        )
        submission_submitted.send(
            sender=Submission,
            submission=locked,
            resubmitted=previous == Status.RETURNED,
            first=False,  # a draft may have been opened as a case elsewhere: look it up
        )
    return locked


def change_status(
    sub: Submission,
    to: str,
    *,
    by: Any,
    note: str = "",
    visible_to_resident: bool = True,
) -> Submission:
    """Move a submission along the lifecycle; refuse a transition :data:`TRANSITIONS` lacks.

    ``by`` is a staff user, "resident" (may only withdraw or resubmit) or "system".
    """
    if to not in _STATUSES:
        raise TransitionError(f"状態「{to}」はありません / unknown status {to!r}")
    user, actor = _actor(by)
    if actor == RESIDENT and to not in RESIDENT_TARGETS:
        raise TransitionError(
            f"申請者は{label(to)}に変更できません / the applicant cannot set status {to!r}"
        )
    with transaction.atomic():
        locked = _lock(sub)
        previous = locked.status
        if to not in TRANSITIONS.get(previous, frozenset()):
            raise TransitionError(
                f"{label(previous)}から{label(to)}には変更できません / "
                f"cannot change status from {previous!r} to {to!r}"
            )
        now = timezone.now()
        locked.status = to
        _write_status(locked, previous, ["status"])
        StatusChange.unscoped.create(
            municipality=locked.municipality,
            submission=locked,
            from_status=previous,
            to_status=to,
            at=now,
            changed_by=user,
            actor=actor,
            note=note,
            visible_to_resident=visible_to_resident,
        )
        record_event(
            locked.municipality,
            STATUS_CHANGED,
            submission=locked,
            at=now,
            detail={"from": previous, "to": to},
        )
        audit.record(
            "status_change",
            user=user,
            actor="" if user else actor,
            municipality=locked.municipality,
            target_type="submission",
            target_id=locked.pk,
            reason=f"{previous} → {to}",
            detail={"receipt_number": locked.receipt_number, "from": previous, "to": to},
        )
    return locked


def submissions_for_identity(
    municipality: Municipality, identity: dict[str, Any] | None, *, include_drafts: bool = False
) -> list[Submission]:
    """What /my/ shows: the submissions made under this verified identity, newest first.

    Unfinished drafts (with ``include_drafts``) come first.

    Matched by identity subject (card serial or verified e-mail), by the verified
    e-mail of e-mail-level submissions, and for a card holder known to the
    registry by the resident record. An unverified identity sees nothing.
    """
    level, subject, email = _identity_fields(identity)
    if level == IdentityLevel.NONE:
        return []
    match = Q(identity_level=level, identity_subject=subject) if subject else Q(pk__in=[])
    if level == IdentityLevel.EMAIL and email:
        match |= Q(identity_level=IdentityLevel.EMAIL, applicant_email__iexact=email)
    resident_id = (identity or {}).get("resident_id")
    if level == IdentityLevel.CARD and resident_id:
        match |= Q(resident_id=resident_id)
    qs = Submission.unscoped.filter(match, municipality=municipality).select_related(
        "procedure", "form_version"
    )
    if not include_drafts:
        qs = qs.exclude(status=Status.DRAFT)
    return list(qs.order_by(F("submitted_at").desc(nulls_first=True), "-created_at", "-pk"))


def identity_owns(sub: Submission, identity: dict[str, Any] | None) -> bool:
    """Whether ``sub`` is one :func:`submissions_for_identity` lists for ``identity`` (no query)."""
    level, subject, email = _identity_fields(identity)
    if level == IdentityLevel.NONE or sub.status == Status.DRAFT:
        return False
    if subject and sub.identity_level == level and sub.identity_subject == subject:
        return True
    if (level == IdentityLevel.EMAIL and email and sub.identity_level == IdentityLevel.EMAIL
            and sub.applicant_email.upper() == email.upper()):
        return True
    resident_id = (identity or {}).get("resident_id")
    return bool(level == IdentityLevel.CARD and resident_id and sub.resident_id == resident_id)


def status_histories(
    subs: list[Submission], *, for_resident: bool = True
) -> dict[int, list[StatusChange]]:
    """:func:`status_history` of several submissions in one query, by submission id."""
    found: dict[int, list[StatusChange]] = {sub.pk: [] for sub in subs}
    qs = StatusChange.unscoped.filter(submission_id__in=list(found))
    if for_resident:
        qs = qs.filter(visible_to_resident=True)
    for change in qs.order_by("at", "pk"):
        found[change.submission_id].append(change)
    return found


def status_history(sub: Submission, *, for_resident: bool = True) -> list[StatusChange]:
    """The status changes of a submission, oldest first (internal notes hidden from residents)."""
    qs = StatusChange.unscoped.filter(submission=sub)
    if for_resident:
        qs = qs.filter(visible_to_resident=True)
    return list(qs.order_by("at", "pk"))


def find_by_receipt_number(municipality: Municipality, number: str) -> Submission | None:
    """Look up a submission by a typed receipt number (raises ReceiptNumberError if mistyped)."""
    canonical = validate_receipt_number(number)
    return Submission.unscoped.filter(municipality=municipality, receipt_number=canonical).first()


def purge_expired_drafts(now: dt.datetime | None = None) -> int:
    """Delete expired drafts and stale unattached uploads with their files; return the drafts count."""
    now = now or timezone.now()
    expired = Submission.unscoped.filter(status=Status.DRAFT, draft_expires_at__lte=now)
    count = 0
    for sub in expired.iterator():
        with transaction.atomic():
            files = list(Attachment.unscoped.filter(submission=sub))
            sub.delete()
        for attachment in files:
            delete_stored(attachment)
        count += 1
    # Uploads never attached to any submission (the resident left before saving).
    orphans = Attachment.unscoped.filter(
        submission__isnull=True, created_at__lte=now - DRAFT_LIFETIME
    )
    for attachment in orphans.iterator():
        attachment.delete()
        delete_stored(attachment)
    return count


def is_open(sub: Submission) -> bool:
    """Still being handled (the resident may withdraw)."""
    return sub.status in OPEN_STATUSES
