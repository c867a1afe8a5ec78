"""A large payment file on two connections: the booking on one, its lines on the other.

Why: on PostgreSQL one import used to be one transaction on one backend, and
that backend's work was the floor of the import time — the UPDATE of every
matched payment, the INSERT of a ``payment_received`` event per payment and
the COPY of every line, one after the other on one CPU. A city's server has
more than one CPU, and a month-end bank file of 100,000 records should not
keep staff waiting.

The import therefore splits what *decides* from what *records*:

- the main transaction (the request's connection, ``A``) holds the truth: the
  file row with its bytes, every line's outcome (``PaymentFile.outcome_codes``,
  one character per record, :data:`~.models.OUTCOME_CODES`), the booking of
  the payments with their ``payment_received`` events (one statement,
  :func:`book`) and the audit entry;
- :class:`SideWriter` opens a second connection (``B``) and writes the record
  of the file — its :class:`~.models.PaymentLine` rows — in a transaction of
  its own, *while* ``A`` books the payments (two backends, two CPUs).

``B`` commits only after ``A`` has committed, in the same transaction that
clears ``lines_pending`` on the file. So:

- ``A`` fails: ``B`` is rolled back; nothing of the import remains;
- ``A`` commits and ``B`` then fails, or the process dies between the two
  commits: the file stays with ``lines_pending`` and its outcome codes, and
  :func:`finish_file` (the ``finish_payment_files`` task, and the file page)
  writes the lines from the stored bytes and codes. ``B`` holds an advisory
  lock on the file from its first statement to its commit, so that never
  runs beside a writer that is still alive;
- a payment booked by someone else (a webhook) between the read and the
  UPDATE: ``B``'s lines, written from the outcomes before the UPDATE, are
  rolled back and ``A`` writes the lines itself with that line as
  ``duplicate``, as the one-transaction import does (:mod:`.matching`).

Used on PostgreSQL for files of at least :data:`MIN_RECORDS` records, when
the import is not inside a caller's transaction (a test's, say: a second
connection could not see its rows) and ``MADO_RECONCILE_PARALLEL`` is not
off. Everything else takes the one-transaction path.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from mado.payments.models import Payment
from mado.payments.reconcile import matching
from mado.payments.reconcile.models import OUTCOME_CODES, Outcome, PaymentFile, PaymentLine
from mado.payments.reconcile.parsers import Record, parse_file

log = logging.getLogger(__name__)

MIN_RECORDS = 5000
LOCK_CLASS = 0x4D41444F  # "MADO": the first key of the file's advisory lock
_MATCHED = str(Outcome.MATCHED)
_OUTCOME_OF_CODE = {code: str(outcome) for outcome, code in OUTCOME_CODES.items()}


class SideWriteError(RuntimeError):
    """The second connection could not write the lines; the import is rolled back."""


def usable(records: int) -> bool:
    """Whether an import of ``records`` lines takes the two-connection path."""
    return (connection.vendor == "postgresql" and not connection.in_atomic_block
            and records >= MIN_RECORDS
            and bool(getattr(settings, "MADO_RECONCILE_PARALLEL", True)))


def outcome_codes(outcomes: list[tuple[str, int | None]]) -> str:
    """One character per line (models.OUTCOME_CODES), in line order."""
    return "".join(OUTCOME_CODES[outcome] for outcome, _pid in outcomes)


def _lock_key(file_id: int) -> int:
    return file_id & 0x7FFFFFFF


def _array(values: list[str]) -> str:
    """A PostgreSQL array literal of values that need no quoting (numbers, dates, codes)."""
    return "{" + ",".join(values) + "}"


def _quoted_array(values: list[str]) -> str:
    """A PostgreSQL array literal of arbitrary text (each element quoted)."""
    return "{" + ",".join(
        '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def book(payment_file: PaymentFile, records: list[Record],
         outcomes: list[tuple[str, int | None]]) -> set[int]:
    """Book the matched payments still payable and write their events; return their ids.

    One statement, as :func:`matching.book`, in payment id order, from the
    parsed records instead of the line table (the lines are being written on
    the other connection): the events are part of the booking's truth and are
    committed with it.
    """
    stamps: dict[Any, str] = {}  # a file holds few distinct times (a bank file: days)
    matched = []
    for r, (outcome, pid) in zip(records, outcomes, strict=True):
        if outcome == _MATCHED and pid is not None:
            at = stamps.get(r.paid_at)
            if at is None:
                at = stamps[r.paid_at] = r.paid_at.isoformat()
            matched.append((pid, r.method, at, r.transaction_id))
    matched.sort()
    if not matched:
        return set()
    sql, params = matching.booking_sql(
        "unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::text[])"
        " AS l(id, method, paid_at, transaction_id)",
        [_array([str(m[0]) for m in matched]), _array([m[1] for m in matched]),
         _array([m[2] for m in matched]), _quoted_array([m[3] for m in matched])],
        provider=payment_file.provider, events=True)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {row[0] for row in cur.fetchall()}


class SideWriter:
    """Writes one file's lines on a connection of its own (see the module docstring).

    ``start()`` begins writing at once; ``wait_written()`` returns when all
    rows are sent (raising :class:`SideWriteError` if they could not be);
    then exactly one of ``commit()`` (after the main transaction committed)
    or ``abandon()``.
    """

    def __init__(self, payment_file: PaymentFile, records: list[Record],
                 outcomes: list[tuple[str, int | None]]) -> None:
        self.file_id = payment_file.pk
        self.municipality_id = payment_file.municipality_id
        self.records, self.outcomes = records, outcomes
        self.seconds = 0.0
        self.committed = False
        self._error: BaseException | None = None
        self._written = threading.Event()
        self._decided = threading.Event()
        self._commit = False
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"reconcile-lines-{self.file_id}")

    def start(self) -> None:
        self._thread.start()

    def wait_written(self) -> None:
        self._written.wait()
        if self._error is not None:
            raise SideWriteError(str(self._error)) from self._error

    def commit(self) -> bool:
        """Commit the lines (and clear ``lines_pending``); False if that failed."""
        return self._finish(commit=True)

    def abandon(self) -> None:
        """Roll the lines back (the main transaction failed or wrote them itself)."""
        self._finish(commit=False)

    def _finish(self, *, commit: bool) -> bool:
        if not self._decided.is_set():
            self._commit = commit
            self._decided.set()
        self._thread.join()
        return self.committed

    def _run(self) -> None:
        side = None
        try:
            side = connections.create_connection(DEFAULT_DB_ALIAS)
            side.set_autocommit(False)
            started = time.perf_counter()
            self._write(side)
            self.seconds = time.perf_counter() - started
        except BaseException as exc:  # reported to the main thread by wait_written()
            self._error = exc
        finally:
            self._written.set()
        self._decided.wait()
        try:
            if side is None:
                return
            if self._commit and self._error is None:
                with side.cursor() as cur:
                    cur.execute(f"UPDATE {PaymentFile._meta.db_table} SET lines_pending = false, "  # noqa: S608
                                "outcome_codes = '' WHERE id = %s", [self.file_id])
                side.commit()
                self.committed = True
            else:
                side.rollback()
        except Exception:  # the file stays pending: finish_file() rebuilds it
            log.exception("payment file %s: lines not committed; left for finish_file",
                          self.file_id)
        finally:
            if side is not None:
                side.close()

    def _write(self, side: Any) -> None:
        mid, fid = self.municipality_id, self.file_id
        records, outcomes = self.records, self.outcomes
        line_table = PaymentLine._meta.db_table
        with side.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, _lock_key(fid)])
            with cur.cursor.copy(f"COPY {line_table} ({', '.join(matching.LINE_COLUMNS)}) "
                                 "FROM STDIN") as copy:
                step = matching.COPY_CHUNK
                for i in range(0, len(records), step):
                    copy.write(matching.copy_rows(mid, fid, records[i:i + step],
                                                  outcomes[i:i + step]))


def pending_files() -> list[int]:
    """Ids of the committed files whose lines are still to be written (oldest first)."""
    return list(PaymentFile.unscoped.filter(lines_pending=True).order_by("pk")
                .values_list("pk", flat=True))


def finish_file(file_id: int) -> bool:
    """Write a pending file's lines from its bytes and outcome codes; True if written here.

    Nothing happens while the file's writer still holds its lock (it is
    alive and will commit or roll back), or when the file is not pending.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_xact_lock(%s, %s)",
                            [LOCK_CLASS, _lock_key(file_id)])
                if not cur.fetchone()[0]:
                    return False
        payment_file = (PaymentFile.unscoped.select_for_update()
                        .filter(pk=file_id, lines_pending=True).first())
        if payment_file is None:
            return False
        records = parse_file(bytes(payment_file.content)).records
        codes = payment_file.outcome_codes
        if len(codes) != len(records):
            log.error("payment file %s: %d outcome codes for %d records; not rebuilt",
                      file_id, len(codes), len(records))
            return False
        refs = sorted({r.reference for r in records if matching.reference_is_valid(r.reference)})
        ids: dict[str, int] = {}
        for i in range(0, len(refs), 5000):
            ids.update(Payment.unscoped.filter(
                municipality_id=payment_file.municipality_id, reference__in=refs[i:i + 5000],
            ).values_list("reference", "pk"))
        outcomes = [(_OUTCOME_OF_CODE[code], ids.get(r.reference)
                     if matching.reference_is_valid(r.reference) else None)
                    for r, code in zip(records, codes, strict=True)]
        matching.write_lines(payment_file, records, outcomes)  # the events were committed
        payment_file.lines_pending = False
        payment_file.outcome_codes = ""
        payment_file.save(update_fields=["lines_pending", "outcome_codes"])
    log.warning("payment file %s: lines written after an interrupted import", file_id)
    return True


def finish_pending() -> int:
    """Finish every pending file that no live writer holds; return how many were finished."""
    return sum(1 for file_id in pending_files() if finish_file(file_id))
