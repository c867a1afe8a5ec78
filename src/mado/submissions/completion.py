"""Deferred completion: the records that follow a submission, written for many at once.

Why: a submission that arrives complete through the public JSON API (a kiosk,
LINE, a city's own web page) needs, besides the row itself, a StatusChange,
two ServiceEvents, an audit entry and the department's case with its first
timeline event — seven INSERTs and a lookup. Written one submission at a
time they cost about ten times the submission row itself, and a busy hour
(a 給付金 opening, an event's registration) is exactly when that matters
(issue 4: the endpoint must sustain half the rate of a bare insert).

So the endpoint writes only the submission, with its receipt number, in
status ``submitted``, plus a :class:`PendingCompletion` row (the outbox) holding
what the later records need. The resident has the receipt number at once and
the application is durable at COMMIT. :func:`complete_pending` then writes
the follow-up records for up to ``limit`` pending submissions with one
INSERT per table, in one transaction, rows claimed with ``FOR UPDATE SKIP
LOCKED`` so that concurrent completers never write the same submission twice
and a completer that dies rolls back and leaves the rows pending for the next.

When it runs (see :func:`_after_commit`):

- right after the submitting request's COMMIT when the process has been idle
  (a quiet city: every submission is complete before its response is sent),
  or when the submission's id is a multiple of ``MADO_SUBMISSION_BATCH`` (a
  busy one: one request in ``MADO_SUBMISSION_BATCH`` completes the batch);
- before the case inbox and the cases API are read (so staff never see a
  submission without its case);
- from the ``complete_submissions`` task every scheduler tick and from
  ``mado complete_submissions`` (the tail of a burst).

The records are the ones :func:`mado.submissions.direct.create_submitted`
writes in one go (a test compares them), with the submission's own time
stamps, so reports cannot tell the two apart.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from mado.core import audit, bulk
from mado.submissions import receipts
from mado.submissions.events import FORM_STARTED, SUBMITTED
from mado.submissions.models import (
    PendingCompletion,
    ServiceEvent,
    Status,
    StatusChange,
    Submission,
)
from mado.submissions.signals import submissions_submitted_batch

__all__ = ["complete_pending", "create_pending", "is_pending", "pending_count"]

logger = logging.getLogger(__name__)
DEFAULT_BATCH = 16
DEFAULT_IDLE_SECONDS = 2.0

_state = threading.local()


def create_pending(sub: Submission, meta: dict[str, Any]) -> Submission:
    """Insert ``sub`` (unsaved, status submitted) with its receipt number; completion follows.

    Called outside a transaction (the API), the counter row is locked for one
    statement only and the submission and its :class:`PendingCompletion` row
    are one statement; inside one, everything commits with the caller.
    """
    if sub.pk is not None:
        raise ValueError("保存済みの申請です / the submission is already saved")
    now = timezone.now()
    sub.submitted_at = now
    # Outside a transaction the number is taken in a short one of its own (see receipts).
    sub.receipt_number = receipts.allocate_receipt_number(
        sub.municipality, now, own_transaction=True
    )
    sub.created_at = sub.updated_at = now
    # INSERTs without the model save machinery (core.bulk): the caller
    # (create_submitted) has done the tenant and identity checks.
    row = {f.attname: getattr(sub, f.attname) for f in Submission._meta.concrete_fields
           if not f.primary_key}
    if connection.vendor == "postgresql":
        outbox = connection.ops.quote_name(PendingCompletion._meta.db_table)
        with connection.cursor() as cur:
            head = bulk.insert_statement(Submission)  # names from the models only
            sql = (
                f"WITH s AS ({head} RETURNING id) INSERT INTO {outbox} (submission_id, meta) "  # noqa: S608
                "SELECT id, %s FROM s RETURNING submission_id"
            )
            cur.execute(
                sql,
                [*bulk.row_values(Submission, row), json.dumps(meta, ensure_ascii=False)],
            )
            sub.pk = int(cur.fetchone()[0])
    else:
        with transaction.atomic():
            sub.pk = bulk.insert_row(Submission, row)
            bulk.insert_rows(PendingCompletion, [{"submission_id": sub.pk, "meta": dict(meta)}])
    sub._state.adding = False
    if connection.in_atomic_block:
        # Inside a caller's transaction the completion, when due, joins it (all
        # or nothing with the caller); its rows are not visible to others yet.
        if _due(sub.pk):
            complete_pending(ids=[sub.pk])
    else:
        transaction.on_commit(partial(_after_commit, sub.pk))
    return sub


def _due(pk: int) -> bool:
    """Whether the request that stored ``pk`` completes the pending batch now."""
    every = int(getattr(settings, "MADO_SUBMISSION_BATCH", DEFAULT_BATCH))
    idle_after = float(getattr(settings, "MADO_SUBMISSION_IDLE_SECONDS", DEFAULT_IDLE_SECONDS))
    now = time.monotonic()
    last = getattr(_state, "last", None)
    _state.last = now
    idle = last is None or now - last >= idle_after
    return every <= 1 or idle or pk % every == 0


def _after_commit(pk: int) -> None:
    if not _due(pk):
        return
    try:
        complete_pending()
    except Exception:  # the submission is stored; a later completer writes the rest
        logger.exception("completing submissions after %s failed", pk)


def pending_count() -> int:
    """Submissions whose follow-up records are not written yet (an operator's health figure)."""
    return PendingCompletion.objects.count()


def is_pending(sub: Submission) -> bool:
    return PendingCompletion.objects.filter(submission_id=sub.pk).exists()


_FIELDS = (
    "submission_id", "meta", "submission__municipality_id", "submission__procedure_id",
    "submission__procedure__code", "submission__status", "submission__channel",
    "submission__submitted_at", "submission__identity_level", "submission__proxy",
    "submission__receipt_number", "submission__data", "submission__resident_id",
)
_KEYS = (
    "id", "meta", "municipality_id", "procedure_id", "procedure__code", "status", "channel",
    "submitted_at", "identity_level", "proxy", "receipt_number", "data", "resident_id",
)


def complete_pending(*, limit: int = 500, ids: Iterable[int] | None = None) -> int:
    """Write the follow-up records of pending submissions; return how many were completed.

    Rows another completer holds are skipped (it completes them). ``ids``
    restricts the run to those submissions. Repeats until nothing is left.
    """
    wanted = list(ids) if ids is not None else None
    done = 0
    while True:
        with transaction.atomic():
            qs = PendingCompletion.objects.all()
            if wanted is not None:
                qs = qs.filter(submission_id__in=wanted)
            rows = list(
                qs.select_for_update(skip_locked=True, of=("self",))
                .order_by("submission_id")
                .values_list(*_FIELDS)[:limit]
            )
            if not rows:
                return done
            subs = [dict(zip(_KEYS, row, strict=True)) for row in rows]
            _write_records(subs)
            PendingCompletion.objects.filter(submission_id__in=[s["id"] for s in subs]).delete()
        done += len(subs)
        if len(subs) < limit:
            return done


def _write_records(subs: list[dict[str, Any]]) -> None:
    """StatusChange, ServiceEvents and audit entry of each, then the batch signal (cases)."""
    from mado.core.models import Municipality

    cities = Municipality.objects.in_bulk({s["municipality_id"] for s in subs})
    changes: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for sub in subs:
        meta = sub["meta"] or {}
        at = sub["submitted_at"] or timezone.now()
        user_id = meta.get("user_id")
        actor = str(meta.get("actor") or "resident")
        common = {"municipality_id": sub["municipality_id"], "submission_id": sub["id"]}
        changes.append({**common, "from_status": Status.DRAFT, "to_status": Status.SUBMITTED,
                        "at": at, "changed_by_id": user_id, "actor": actor})
        event = {**common, "at": at, "channel": sub["channel"],
                 "procedure_code": sub["procedure__code"]}
        events.append({**event, "kind": FORM_STARTED})
        events.append({
            **event,
            "kind": SUBMITTED,
            "fields_prefilled": max(0, int(meta.get("fields_prefilled") or 0)),
            "fields_typed": max(0, int(meta.get("fields_typed") or 0)),
            "duration_ms": meta.get("duration_ms"),
            "detail": {
                "identity_level": sub["identity_level"],
                "proxy": bool(sub["proxy"]),
                "resubmitted": False,
            },
        })
        entries.append({
            "action": "submit",
            "actor": actor,
            "actor_id": user_id,
            "municipality": cities[sub["municipality_id"]],
            "target_type": "submission",
            "target_id": sub["id"],
            "reason": "申請の提出 / submission",
            "detail": {
                "receipt_number": sub["receipt_number"],
                "procedure": sub["procedure__code"],
                "channel": sub["channel"],
                "identity_level": sub["identity_level"],
                "from": Status.DRAFT,
            },
            "at": at,
        })
    bulk.insert_rows(StatusChange, changes)
    bulk.insert_rows(ServiceEvent, events)
    audit.record_many(entries)
    submissions_submitted_batch.send(
        sender=Submission,
        submissions=[
            Submission(
                id=s["id"], municipality_id=s["municipality_id"], procedure_id=s["procedure_id"],
                status=s["status"], channel=s["channel"], submitted_at=s["submitted_at"],
                data=s["data"], resident_id=s["resident_id"], receipt_number=s["receipt_number"],
            )
            for s in subs
        ],
    )
