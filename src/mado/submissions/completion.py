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

import datetime as dt
import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mado.core import audit, bulk, prepared
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
DEFAULT_BATCH = 64
DEFAULT_IDLE_SECONDS = 2.0

_state = threading.local()


def create_pending(sub: Submission, meta: dict[str, Any]) -> Submission:
    """Insert ``sub`` (unsaved, status submitted) with its receipt number; completion follows.

    Called outside a transaction on PostgreSQL (the API), the receipt number
    is taken and the submission and its :class:`PendingCompletion` row are
    written by one statement (:func:`_insert_numbered`); inside a transaction,
    everything commits with the caller.
    """
    if sub.pk is not None:
        raise ValueError("保存済みの申請です / the submission is already saved")
    now = timezone.now()
    sub.submitted_at = now
    sub.created_at = sub.updated_at = now
    if not (connection.vendor == "postgresql" and not connection.in_atomic_block
            and _insert_numbered(sub, meta, now)):
        _insert_two_steps(sub, meta, now)
    sub._state.adding = False
    if connection.in_atomic_block:
        # Inside a caller's transaction the completion, when due, joins it (all
        # or nothing with the caller); its rows are not visible to others yet.
        if _due(sub.pk) is not None:
            complete_pending(ids=[sub.pk])
    else:
        transaction.on_commit(partial(_after_commit, sub.pk))
    return sub


def _row(sub: Submission) -> dict[str, Any]:
    # INSERTs without the model save machinery (core.bulk): the caller
    # (create_submitted) has done the tenant and identity checks.
    return {f.attname: getattr(sub, f.attname) for f in Submission._meta.concrete_fields
            if not f.primary_key}


def _insert_numbered(sub: Submission, meta: dict[str, Any], now: dt.datetime) -> bool:
    """PostgreSQL, autocommit: number, submission and outbox row in one statement.

    ``UPDATE`` of the counter, ``INSERT`` of the submission whose receipt
    number is formatted from the counter's new value in SQL
    (:func:`receipts.sql_receipt_number`, the ``mado_damm`` function), and
    ``INSERT`` of the outbox row: one round trip and one transaction where
    there were two of each. The counter row stays locked until this
    statement's COMMIT, so the city's submissions pass it one at a time for
    the statement plus one WAL flush (about 0.5 ms here: a ceiling near
    2,000 a second, far above any city's peak).

    Returns False, having written nothing, when the fiscal year has no
    counter row yet (its first submission) or the sequence is full; the
    caller then takes the two-step path, which creates the row or refuses
    with a clear error.
    """
    day = timezone.localdate(now)
    try:
        fiscal_year = receipts.fiscal_year_of(day)
        number_sql, number_params = receipts.sql_receipt_number(day, "last_value")
    except receipts.ReceiptNumberError:
        return False
    sub.receipt_number = ""  # replaced below by the statement
    head, params = bulk.insert_select(Submission, _row(sub), {
        "receipt_number": (f"(SELECT {number_sql} FROM r)", number_params),  # noqa: S608 - SQL from receipts
    })
    quote = connection.ops.quote_name
    counter = quote(receipts.ReceiptCounter._meta.db_table)
    outbox = quote(PendingCompletion._meta.db_table)
    sql = (  # names from the models only
        f"WITH r AS (UPDATE {counter} SET last_value = last_value + 1 "  # noqa: S608
        "WHERE municipality_id = %s AND fiscal_year = %s AND last_value < %s "
        "RETURNING last_value), "
        f"s AS ({head} RETURNING id, receipt_number), "
        f"o AS (INSERT INTO {outbox} (submission_id, meta) SELECT id, %s::jsonb FROM s) "
        "SELECT id, receipt_number FROM s"
    )
    try:
        with prepared.cursor() as cur:
            cur.execute(sql, [
                sub.municipality_id, fiscal_year, receipts.MAX_SEQUENCE,
                *params,
                json.dumps(meta, ensure_ascii=False),
            ])
            sub.pk, sub.receipt_number = cur.fetchone()
    except IntegrityError as exc:
        # No counter row matched: the number's subquery was NULL. Nothing was
        # written (the statement is its own transaction).
        if getattr(getattr(exc.__cause__, "diag", None), "column_name", None) == "receipt_number":
            return False
        raise
    return True


def _insert_two_steps(sub: Submission, meta: dict[str, Any], now: dt.datetime) -> None:
    """The number first (outside a transaction: a short one of its own), then the rows."""
    sub.receipt_number = receipts.allocate_receipt_number(
        sub.municipality, now, own_transaction=True
    )
    row = _row(sub)
    if connection.vendor == "postgresql":
        outbox = connection.ops.quote_name(PendingCompletion._meta.db_table)
        with prepared.cursor() as cur:
            head = bulk.insert_statement(Submission)  # names from the models only
            sql = (
                f"WITH s AS ({head} RETURNING id) INSERT INTO {outbox} (submission_id, meta) "  # noqa: S608
                "SELECT id, %s::jsonb FROM s RETURNING submission_id"
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


INLINE = "inline"
BACKGROUND = "background"


def _due(pk: int) -> str | None:
    """Whether and how the request that stored ``pk`` completes the pending batch now.

    ``INLINE`` (before the response) when the process was idle — a quiet
    city sees every submission complete at once — or when batching is off;
    ``BACKGROUND`` on every ``MADO_SUBMISSION_BATCH``-th id, where the
    process's completion thread takes it (see :class:`_Completer`), or
    ``INLINE`` where there is no such thread; otherwise ``None``.
    """
    every = int(getattr(settings, "MADO_SUBMISSION_BATCH", DEFAULT_BATCH))
    idle_after = float(getattr(settings, "MADO_SUBMISSION_IDLE_SECONDS", DEFAULT_IDLE_SECONDS))
    now = time.monotonic()
    last = getattr(_state, "last", None)
    _state.last = now
    if every <= 1 or last is None or now - last >= idle_after:
        return INLINE
    if pk % every:
        return None
    return BACKGROUND if _background_enabled() else INLINE


def _background_enabled() -> bool:
    """The completion thread is used on PostgreSQL unless MADO_SUBMISSION_BACKGROUND is off.

    SQLite (the demo) has one writer at a time; a second writing thread would
    only queue behind the requests.
    """
    return connection.vendor == "postgresql" and bool(
        getattr(settings, "MADO_SUBMISSION_BACKGROUND", True)
    )


def _after_commit(pk: int) -> None:
    how = _due(pk)
    if how is None:
        return
    if how == BACKGROUND:
        completer.nudge()
        return
    try:
        complete_pending()
    except Exception:  # the submission is stored; a later completer writes the rest
        logger.exception("completing submissions after %s failed", pk)


class _Completer:
    """A thread per process that completes the pending batch when a request nudges it.

    Why a thread: a sync web worker spends part of every request waiting for
    PostgreSQL (round trips, the WAL flush of its COMMIT). The batch written
    by this thread, on its own database connection, uses those waits instead
    of holding up the one request that happened to fill the batch (about
    50 ms for 64 submissions). Nothing is lost if the process dies mid-batch:
    the transaction rolls back and the rows stay in the outbox for the next
    completer (another request, the ``complete_submissions`` task).

    Started lazily on the first nudge, in the process that nudges (so a
    pre-forking server starts one per worker after the fork); a daemon thread,
    so it never holds up the process's exit.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._pid = 0

    def nudge(self) -> None:
        """Ask the thread to complete what is pending (starting it when needed)."""
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            if not alive or self._pid != os.getpid():
                self._pid = os.getpid()
                self._stop = False
                self._wake = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, args=(self._wake,),
                    name="mado-submission-completion", daemon=True,
                )
                self._thread.start()
            self._idle.clear()
            self._wake.set()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the thread has nothing to do (tests, a graceful stop)."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """End the thread after its current batch and close its connection."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop = True
            self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self, wake: threading.Event) -> None:
        from django.db import close_old_connections

        try:
            while not self._stop:
                wake.wait()
                wake.clear()
                if self._stop:
                    break
                close_old_connections()  # CONN_MAX_AGE and broken connections, as for requests
                try:
                    complete_pending()
                except Exception:  # the rows stay pending; the next nudge or task retries
                    logger.exception("background completion of submissions failed")
                if not wake.is_set():
                    self._idle.set()
        finally:
            connection.close()
            self._idle.set()


completer = _Completer()


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
    audit.record_many(entries, seal_now=True)
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
