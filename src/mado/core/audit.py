"""Append-only, tamper-evident audit log (who, what, when, why).

Every read of personal data and every change is recorded with :func:`record`.
Rows form a hash chain: each row's hash covers its own content and the hash of
the row before it, and :class:`~mado.core.models.AuditChainHead` remembers the
newest hash. :func:`verify` recomputes the chain and reports any row that was
edited, removed or inserted out of order — what ``mado audit_verify`` runs.
Database triggers (see the core migrations) refuse DELETE and every UPDATE
except sealing.

Why two steps (record, then seal): extending the chain needs the previous
hash, i.e. one lock shared by every audited transaction of the deployment,
held until COMMIT — it made the chain head the bottleneck of every busy path
(the submission endpoint ran at a fifth of a bare insert). :func:`record`
therefore only INSERTs the row inside the caller's transaction (so an action
and its audit entry still commit or roll back together), and :func:`seal`
chains the committed rows in insertion order in short transactions of its
own: after every :data:`SEAL_EVERY`-th entry (after commit), before the audit
page and before :func:`verify`, and from ``mado audit_seal``. Until sealed a
row is protected by the triggers only; the window is a few entries.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from mado.core.models import AuditChainHead, AuditEntry, Municipality

GENESIS = "0" * 64
logger = logging.getLogger("mado.audit")


class Action:
    """Audit action names (kept as plain strings in the log)."""

    READ = "read"
    SEARCH = "search"
    READ_MY_NUMBER = "read_my_number"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    IMPORT = "import"
    EXPORT = "export"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    TOKEN_ISSUED = "token_issued"  # noqa: S105  (an action name, not a secret)
    SEED = "seed"


def _canonical(
    seq: int,
    at: datetime,
    municipality_id: int | None,
    actor_id: int | None,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    reason: str,
    detail: Any,
    prev_hash: str,
) -> bytes:
    payload = [
        seq,
        at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        municipality_id,
        actor_id,
        actor,
        action,
        target_type,
        target_id,
        reason,
        detail,
        prev_hash,
    ]
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _hash(entry: Any) -> str:
    return hashlib.sha256(
        _canonical(
            entry.seq,
            entry.at,
            entry.municipality_id,
            entry.actor_id,
            entry.actor,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.reason,
            entry.detail,
            entry.prev_hash,
        )
    ).hexdigest()


def _build(
    action: str,
    *,
    user: Any = None,
    municipality: Municipality | None = None,
    target_type: str = "",
    target_id: str | int = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
    actor: str = "",
    at: datetime | None = None,
    actor_id: int | None = None,
) -> AuditEntry:
    if user is not None and getattr(user, "is_authenticated", False):
        actor_id = user.pk
        actor = actor or user.get_username()
    if municipality is None and user is not None:
        profile = getattr(user, "staff_profile", None) if actor_id else None
        municipality = profile.municipality if profile is not None else None
    # JSON round trip so the hashed form equals what the database gives back.
    detail_clean = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    return AuditEntry(
        # Microsecond precision survives every supported database.
        at=at or timezone.now(),
        municipality=municipality,
        actor_id=actor_id,
        actor=actor[:150],
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:64],
        reason=reason[:300],
        detail=detail_clean,
    )


def record(
    action: str,
    *,
    user: Any = None,
    municipality: Municipality | None = None,
    target_type: str = "",
    target_id: str | int = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
    actor: str = "",
) -> AuditEntry:
    """Append one entry (unsealed) in the caller's transaction; no lock is taken."""
    entry = _build(
        action, user=user, municipality=municipality, target_type=target_type,
        target_id=target_id, reason=reason, detail=detail, actor=actor,
    )
    entry.save(force_insert=True)
    if entry.pk % SEAL_EVERY == 0:
        transaction.on_commit(_seal_quietly)
    return entry


def record_many(entries: Iterable[dict[str, Any]], *, seal_now: bool = False) -> int:
    """Append several entries with one batched INSERT; return how many.

    Each dict holds :func:`record`'s arguments, plus optionally ``at`` (when
    the recorded act happened, e.g. the submission time of a submission
    completed later) and ``actor_id``. The entries are sealed after commit.

    ``seal_now=True`` (a batch writer such as the deferred submission
    completion) inserts them already sealed when the chain head is free and
    no other entry waits for its seal: the caller's transaction then holds
    the head until it commits, and the rows need no sealing UPDATE and no
    read-back afterwards. Otherwise they are sealed after commit as usual.
    """
    from mado.core.bulk import insert_rows

    built = [_build(**entry) for entry in entries]
    if not built:
        return 0
    head = _free_head() if seal_now else None
    rows = []
    for entry in built:
        if head is not None:
            entry.seq = head.last_seq + 1
            entry.prev_hash = head.last_hash
            entry.entry_hash = _hash(entry)
            head.last_seq, head.last_hash = entry.seq, entry.entry_hash
        rows.append({
            "at": entry.at, "municipality_id": entry.municipality_id,
            "actor_id": entry.actor_id, "actor": entry.actor, "action": entry.action,
            "target_type": entry.target_type, "target_id": entry.target_id,
            "reason": entry.reason, "detail": entry.detail,
            "seq": entry.seq, "prev_hash": entry.prev_hash or "",
            "entry_hash": entry.entry_hash or "",
        })
    made = insert_rows(AuditEntry, rows)
    if head is not None:
        head.save(update_fields=["last_seq", "last_hash"])
    elif made:
        transaction.on_commit(_seal_quietly)
    return made


def _free_head() -> AuditChainHead | None:
    """The chain head, locked until the transaction ends, when nobody holds it and no
    committed or own entry is still unsealed (so the new rows come next in the chain)."""
    if not transaction.get_connection().in_atomic_block:
        return None  # the lock would end with this statement
    AuditChainHead.objects.get_or_create(pk=1)
    head = AuditChainHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
    if head is None or AuditEntry.objects.filter(seq__isnull=True).exists():
        return None
    return head


SEAL_EVERY = 16


def _seal_quietly() -> None:
    """Seal after commit without waiting: when another process is sealing, it will do ours."""
    try:
        seal(wait=False)
    except Exception:  # never fail the request that triggered it; verify() reports
        logger.exception("audit sealing failed")


def seal(*, wait: bool = True, batch: int = 5000) -> int:
    """Chain every committed unsealed row, oldest first; return how many were sealed.

    ``wait=False`` returns 0 at once when another transaction holds the head.
    """
    sealed = 0
    while True:
        with transaction.atomic():
            AuditChainHead.objects.get_or_create(pk=1)
            locked = AuditChainHead.objects.select_for_update(skip_locked=not wait)
            head = locked.filter(pk=1).first()
            if head is None:
                return sealed  # another process is sealing: it seals ours too
            # Plain rows, not model instances: only what the hash covers and the id.
            rows = [
                _Unsealed(*values)
                for values in AuditEntry.objects.filter(seq__isnull=True)
                .order_by("id").values_list(*_Unsealed._fields[:-3])[:batch]
            ]
            if not rows:
                return sealed
            for entry in rows:
                entry.seq = head.last_seq + 1
                entry.prev_hash = head.last_hash
                entry.entry_hash = _hash(entry)
                head.last_seq, head.last_hash = entry.seq, entry.entry_hash
            # One parametrised UPDATE per row, sent in a batch (psycopg pipelines
            # executemany): a tenth of the CPU of bulk_update's CASE expressions.
            _write_seals(rows)
            head.save(update_fields=["last_seq", "last_hash"])
            sealed += len(rows)
        if len(rows) < batch:
            return sealed


class _Unsealed:
    """The columns of an unsealed entry that sealing reads and writes (see :func:`_hash`)."""

    _fields = ("pk", "at", "municipality_id", "actor_id", "actor", "action", "target_type",
               "target_id", "reason", "detail", "seq", "prev_hash", "entry_hash")
    __slots__ = _fields

    def __init__(self, pk: int, at: datetime, municipality_id: int | None,
                 actor_id: int | None, actor: str, action: str, target_type: str,
                 target_id: str, reason: str, detail: Any) -> None:
        self.pk, self.at, self.municipality_id, self.actor_id = pk, at, municipality_id, actor_id
        self.actor, self.action, self.target_type, self.target_id = (
            actor, action, target_type, target_id)
        self.reason, self.detail = reason, detail
        self.seq: int | None = None
        self.prev_hash = self.entry_hash = ""


def _write_seals(rows: list[Any]) -> None:
    """Store seq and hashes of sealed rows: one UPDATE … FROM (VALUES …) per 1,000 on
    PostgreSQL, one parametrised UPDATE per row (executemany) elsewhere."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cur:
        if connection.vendor != "postgresql":
            cur.executemany(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, entry_hash = %s "  # noqa: S608 - table name from the model
                "WHERE id = %s",
                [(e.seq, e.prev_hash, e.entry_hash, e.pk) for e in rows],
            )
            return
        for start in range(0, len(rows), 1000):
            chunk = rows[start:start + 1000]
            values = ", ".join(["(%s::bigint, %s::bigint, %s, %s)"] * len(chunk))
            cur.execute(
                f"UPDATE {table} AS a SET seq = v.seq, prev_hash = v.prev, entry_hash = v.hash "  # noqa: S608 - table name from the model
                f"FROM (VALUES {values}) AS v(id, seq, prev, hash) WHERE a.id = v.id",
                [x for e in chunk for x in (e.pk, e.seq, e.prev_hash, e.entry_hash)],
            )


def recent(municipality: Municipality, limit: int = 200) -> list[AuditEntry]:
    """The newest entries of one municipality, newest first (for the staff audit page)."""
    seal(wait=False)
    return list(AuditEntry.objects.filter(municipality=municipality).order_by("-id")[:limit])


@dataclass
class VerifyResult:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _iter_entries(batch: int = 5000) -> Iterable[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify() -> VerifyResult:
    """Seal what is committed, then recompute the whole chain; report edited, deleted or reordered rows."""
    seal()
    result = VerifyResult()
    expected_prev = GENESIS
    expected_seq = 1
    for entry in _iter_entries():
        result.checked += 1
        if entry.seq != expected_seq:
            result.problems.append(
                f"seq {expected_seq}..{entry.seq - 1}: 行が削除されています / rows deleted"
            )
        if entry.prev_hash != expected_prev:
            result.problems.append(
                f"seq {entry.seq}: 直前の行とつながりません / chain broken before this row"
            )
        if _hash(entry) != entry.entry_hash:
            result.problems.append(
                f"seq {entry.seq}: 内容が改ざんされています / row content edited"
            )
        expected_prev = entry.entry_hash
        expected_seq = entry.seq + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None:
        if head.last_seq != expected_seq - 1:
            result.problems.append(
                f"末尾の行が削除されています(最終 seq {head.last_seq}) / newest rows deleted "
                f"(head at seq {head.last_seq})"
            )
        elif head.last_hash != expected_prev:
            result.problems.append("末尾の行が改ざんされています / newest row edited")
    elif result.checked:
        result.problems.append("チェーンの先頭情報がありません / chain head missing")
    return result
