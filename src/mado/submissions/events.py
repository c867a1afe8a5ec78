"""ServiceEvent: the append-only facts every KPI is computed from (DESIGN §1).

Why a separate, dumb table: the DX plans measure online share, fields typed
vs. prefilled, waiting and processing times and payment methods. Computing
those from the live Submission rows would mix facts with state that changes
(a status is overwritten; an event is not), so each step appends one row here
instead. Rows carry codes and counts only, never personal data, so they can be
kept for years and aggregated into open data.

Known kinds are listed in :data:`KINDS` and in docs/submissions.md; other apps
(counter, payments, booking) may append new kinds — any lower-case
``snake_case`` name is allowed so that they need not edit this module, but
each new kind should be added to the documentation.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.utils import timezone

from mado.core.models import Municipality
from mado.submissions.models import ServiceEvent, Submission

FORM_STARTED = "form_started"  # a draft was created (a resident opened the form)
STEP_COMPLETED = "step_completed"  # one step of a multi-step form passed validation
PREFILLED = "prefilled"  # values were filled from the registry or identity
RESUMED = "resumed"  # a saved draft was reopened with its token
ATTACHMENT_UPLOADED = "attachment_uploaded"
SUBMITTED = "submitted"  # a submission received its receipt number
STATUS_CHANGED = "status_changed"  # any later transition (受付, 審査, 差戻し, ...)

KINDS = (
    FORM_STARTED,
    STEP_COMPLETED,
    PREFILLED,
    RESUMED,
    ATTACHMENT_UPLOADED,
    SUBMITTED,
    STATUS_CHANGED,
)
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def build_event(
    municipality: Municipality,
    kind: str,
    *,
    channel: str = "",
    procedure_code: str = "",
    submission: Submission | None = None,
    fields_prefilled: int = 0,
    fields_typed: int = 0,
    duration_ms: int | None = None,
    payment_method: str = "",
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ServiceEvent:
    """An unsaved ServiceEvent (validated), for callers that insert several in one statement."""
    if not _KIND.match(kind or ""):
        raise ValueError(f"イベントの種類が不正です: {kind!r} / invalid event kind {kind!r}")
    if fields_prefilled < 0 or fields_typed < 0 or (duration_ms is not None and duration_ms < 0):
        raise ValueError("件数・時間は0以上です / counts and durations must not be negative")
    if submission is not None:
        if submission.municipality_id != municipality.pk:
            raise ValueError("他の団体の申請です / submission of another municipality")
        channel = channel or submission.channel
        procedure_code = procedure_code or submission.procedure.code
    event = ServiceEvent(
        municipality=municipality,
        at=at or timezone.now(),
        kind=kind,
        channel=channel,
        procedure_code=procedure_code,
        submission=submission,
        fields_prefilled=fields_prefilled,
        fields_typed=fields_typed,
        duration_ms=duration_ms,
        payment_method=payment_method,
        detail=detail or {},
    )
    return event


def record_event(
    municipality: Municipality,
    kind: str,
    *,
    channel: str = "",
    procedure_code: str = "",
    submission: Submission | None = None,
    fields_prefilled: int = 0,
    fields_typed: int = 0,
    duration_ms: int | None = None,
    payment_method: str = "",
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ServiceEvent:
    """Append one ServiceEvent. With a ``submission``, channel and procedure default to its own."""
    event = build_event(
        municipality,
        kind,
        channel=channel,
        procedure_code=procedure_code,
        submission=submission,
        fields_prefilled=fields_prefilled,
        fields_typed=fields_typed,
        duration_ms=duration_ms,
        payment_method=payment_method,
        detail=detail,
        at=at,
    )
    event.save(force_insert=True)
    return event
