"""Public API of reconciliation (消込): import a payment file, resolve an exception, monthly figures.

Why: until now 姫路市 matches payments by hand (seed 001 L361) and eL-QR
promises payment data that arrives electronically for automatic 消込 (seed 002
L338-383). :func:`import_file` takes a provider settlement statement or a
bank / eL-QR-style payment data file, refuses a file already imported (by
SHA-256), reports broken lines and imports the rest, and matches every line
to the expected payments in one set-based pass (:mod:`.matching`). Payments
booked this way look exactly as if :func:`mado.payments.services.book_payment`
had booked them one by one — status, method, paid_at, ServiceEvent — with
one audit entry for the whole import. Exceptions (unmatched, duplicate,
short, over …) stay listed for staff until resolved with a note
(:func:`resolve_line`, audited, booking through ``book_payment``).

The monthly report lives in :mod:`.report` and is re-exported here.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from mado.core import audit
from mado.core.audit import Action
from mado.core.models import Municipality
from mado.payments import services as payments
from mado.payments.models import Payment
from mado.payments.reconcile import matching, parallel
from mado.payments.reconcile.models import (
    EXCEPTION_OUTCOMES,
    FileKind,
    Outcome,
    PaymentFile,
    PaymentLine,
    Resolution,
)
from mado.payments.reconcile.parsers import FileFormatError, parse_file
from mado.payments.reconcile.report import MonthlyReport, MonthRow, monthly_csv, monthly_report

__all__ = [
    "MAX_FILE_BYTES",
    "MonthRow",
    "MonthlyReport",
    "ReconcileError",
    "exceptions_of",
    "import_file",
    "monthly_csv",
    "monthly_report",
    "outcome_message",
    "resolve_line",
]

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_STORED_ERRORS = 1000
DEFAULT_PROVIDER = "sandbox"


class ReconcileError(ValueError):
    """An import or a resolution that is refused (message: 日本語 / English)."""

    def __init__(self, message: str, *, existing: PaymentFile | None = None) -> None:
        super().__init__(message)
        self.existing = existing


def import_file(
    municipality: Municipality,
    data: bytes,
    *,
    filename: str = "",
    provider: str = DEFAULT_PROVIDER,
    user: Any = None,
) -> PaymentFile:
    """Import and match one payment file; raises :class:`ReconcileError` when it is refused."""
    started = time.perf_counter()
    if len(data) > MAX_FILE_BYTES:
        raise ReconcileError(f"ファイルが大きすぎます（上限 {MAX_FILE_BYTES // 1024 // 1024} MB）"
                             " / the file is too large")
    digest = hashlib.sha256(data).hexdigest()
    earlier = PaymentFile.unscoped.filter(municipality=municipality, sha256=digest).first()
    if earlier is not None:
        raise ReconcileError(_already_imported(earlier), existing=earlier)
    stages: dict[str, float] = {}
    mark = time.perf_counter()
    try:
        parsed = parse_file(data)
    except FileFormatError as exc:
        raise ReconcileError(str(exc)) from exc
    mark = _stage(stages, "parse", mark)
    provider = (provider or DEFAULT_PROVIDER)[:40] if parsed.kind == FileKind.SETTLEMENT else ""
    side: parallel.SideWriter | None = None
    two_connections = parallel.usable(len(parsed.records))  # asked outside this import's atomic()
    try:
        with transaction.atomic():
            payment_file = PaymentFile.unscoped.create(
                municipality=municipality, kind=parsed.kind, provider=provider,
                filename=(filename or "upload.csv")[:200], sha256=digest, size_bytes=len(data),
                encoding=parsed.encoding, content=data,
                uploaded_by=user if getattr(user, "is_authenticated", False) else None,
                record_count=len(parsed.records),
                error_count=sum(1 for e in parsed.errors if e.severity == "error"),
                errors=[e.as_dict() for e in parsed.errors[:MAX_STORED_ERRORS]],
                checks=parsed.checks, declared=parsed.declared,
            )
            mark = _stage(stages, "file_row", mark)
            if two_connections:
                side, counts, booked = _match_on_two_connections(
                    payment_file, parsed.records, provider, stages)
                mark = time.perf_counter()
            else:
                outcomes = matching.classify(municipality.pk, parsed.records, provider)
                mark = _stage(stages, "classify", mark)
                matching.write_lines(payment_file, parsed.records, outcomes)
                mark = _stage(stages, "copy_lines", mark)
                counts = Counter(outcome for outcome, _pid in outcomes)
                booked = matching.book(payment_file, counts[Outcome.MATCHED], stages)
                mark = time.perf_counter()
            payment_file.counts = _final_counts(counts, booked)
            payment_file.duration_ms = int((time.perf_counter() - started) * 1000)
            payment_file.save(update_fields=["counts", "duration_ms", "lines_pending",
                                             "outcome_codes"])
            audit.record(
                Action.IMPORT, user=user, municipality=municipality,
                actor="" if user is not None else "reconciliation",
                target_type="payment_file", target_id=payment_file.pk,
                reason=f"消込 / reconciliation: {payment_file.filename}"[:300],
                detail={"kind": parsed.kind, "sha256": digest, "records": len(parsed.records),
                        "line_errors": payment_file.error_count, "booked": booked,
                        "counts": payment_file.counts},
            )
            mark = _stage(stages, "counts_audit", mark)
    except IntegrityError as exc:  # the same file imported at the same moment by someone else
        if side is not None:
            side.abandon()
        earlier = PaymentFile.unscoped.filter(municipality=municipality, sha256=digest).first()
        if earlier is None:
            raise
        raise ReconcileError(_already_imported(earlier), existing=earlier) from exc
    except BaseException:
        if side is not None:  # nothing of the import remains: neither are its lines
            side.abandon()
        raise
    mark = _stage(stages, "commit", mark)
    if side is not None:
        if side.commit():
            payment_file.lines_pending, payment_file.outcome_codes = False, ""
        _stage(stages, "lines_commit", mark)
    payment_file.stage_seconds = stages  # not stored: read by the benchmark's log
    return payment_file


def _match_on_two_connections(
    payment_file: PaymentFile, records: list[Any], provider: str, stages: dict[str, float],
) -> tuple[parallel.SideWriter | None, Counter[str], int]:
    """Classify, then book here while a second connection writes the lines.

    Returns the writer still to be committed (None when this connection wrote
    the lines itself because a payment was booked by someone else meanwhile),
    the counts per outcome and how many payments were booked.
    """
    mark = time.perf_counter()
    outcomes = matching.classify(payment_file.municipality_id, records, provider)
    counts = Counter(outcome for outcome, _pid in outcomes)
    mark = _stage(stages, "classify", mark)
    side = parallel.SideWriter(payment_file, records, outcomes)
    side.start()
    try:
        booked = parallel.book(payment_file, records, outcomes)
        mark = _stage(stages, "book_update", mark)
        if len(booked) == counts[Outcome.MATCHED]:
            side.wait_written()
            _stage(stages, "lines_wait", mark)
            stages["lines_write"] = side.seconds
            payment_file.lines_pending = True
            payment_file.outcome_codes = parallel.outcome_codes(outcomes)
            return side, counts, len(booked)
    except BaseException:
        side.abandon()
        raise
    # Someone booked some of these payments since the read: those lines are duplicates, and
    # the other connection's rows (written before that was known) are not used.
    side.abandon()
    outcomes = [(str(Outcome.DUPLICATE), pid)
                if outcome == Outcome.MATCHED and pid not in booked else (outcome, pid)
                for outcome, pid in outcomes]
    matching.write_lines(payment_file, records, outcomes)
    _stage(stages, "lines_here", mark)
    return None, counts, len(booked)


def _stage(stages: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    stages[name] = now - since
    return now


def _already_imported(earlier: PaymentFile) -> str:
    when = timezone.localtime(earlier.imported_at).strftime("%Y-%m-%d %H:%M")
    return (f"このファイルは {when} に取込済みです（取込番号 {earlier.pk}）。同じファイルは二度取り込めません"
            f" / this file was already imported on {when} (import {earlier.pk}); "
            "the same file cannot be imported twice")


def _final_counts(counts: Counter[str], booked: int) -> dict[str, int]:
    """Lines per outcome, without reading the lines back.

    The matched lines whose payment was booked by someone else between
    classify() and the UPDATE became ``duplicate`` (matching.book); those are
    exactly the matched lines not booked.
    """
    lost = counts[Outcome.MATCHED] - booked
    if lost:
        counts[Outcome.MATCHED] -= lost
        counts[Outcome.DUPLICATE] += lost
    return {str(outcome): n for outcome, n in counts.items() if n}


def outcome_message(line: PaymentLine) -> str:
    """The reason of a line's outcome in words, with the expected amount where it helps."""
    label = Outcome(line.outcome).label if line.outcome in Outcome.values else line.outcome
    payment = line.payment
    if line.outcome in (Outcome.SHORT, Outcome.OVER) and payment is not None:
        diff = line.amount_yen - payment.amount_yen
        return f"{label}: 請求 {payment.amount_yen:,} 円、納付 {line.amount_yen:,} 円（差 {diff:+,} 円）"
    if line.outcome == Outcome.DUPLICATE and payment is not None and payment.paid_at:
        paid = timezone.localtime(payment.paid_at).strftime("%Y-%m-%d")
        return f"{label}: {paid} に納付済（{payment.get_method_display()}）"
    if line.outcome == Outcome.DUPLICATE:
        return f"{label}: 同じファイル内に同じ収納番号の行があります"
    if line.outcome == Outcome.NOT_PAYABLE and payment is not None:
        return f"{label}: 状態は「{payment.get_status_display()}」"
    return str(label)


def resolve_line(
    line: PaymentLine,
    *,
    action: str,
    note: str,
    user: Any,
    reference: str = "",
) -> PaymentLine:
    """Close an exception with a note; ``match`` books it to another reference via book_payment."""
    note = (note or "").strip()
    if not line.is_exception:
        raise ReconcileError("この明細は処理の必要がありません / this line needs no action")
    if line.is_resolved:
        raise ReconcileError("この明細は処理済みです / this line is already resolved")
    if action not in Resolution.values:
        raise ReconcileError("処理の種類を選んでください / choose an action")
    if not note:
        raise ReconcileError("処理の理由をメモに書いてください / please write a note")
    with transaction.atomic():
        locked = PaymentLine.unscoped.select_for_update().get(pk=line.pk)
        if locked.is_resolved:
            raise ReconcileError("この明細は処理済みです / this line is already resolved")
        detail: dict[str, Any] = {"outcome": locked.outcome, "amount_yen": locked.amount_yen}
        if action == Resolution.MATCH:
            target = _match_target(locked, reference)
            result = payments.book_payment(
                target, method=locked.method, amount_yen=locked.amount_yen,
                paid_at=locked.paid_at, source=f"消込 {locked.file_id}:{locked.line_no}", by=user)
            if not result.booked:
                raise ReconcileError(_booking_problem(result.problem))
            locked.payment = target
            detail["matched_reference"] = target.reference
        locked.resolution = action
        locked.resolution_note = note[:2000]
        locked.resolved_by = user
        locked.resolved_at = timezone.now()
        locked.save(update_fields=["payment", "resolution", "resolution_note", "resolved_by",
                                   "resolved_at"])
        audit.record("reconciliation_resolved", user=user, municipality=locked.municipality,
                     target_type="payment_line", target_id=f"{locked.file_id}:{locked.line_no}",
                     reason=note[:300], detail={"action": action, **detail})
    return locked


def _match_target(line: PaymentLine, reference: str) -> Payment:
    try:
        ref = payments.validate_reference(reference)
    except payments.PaymentReferenceError as exc:
        raise ReconcileError(str(exc)) from exc
    target = Payment.unscoped.filter(municipality_id=line.municipality_id, reference=ref).first()
    if target is None:
        raise ReconcileError("その収納番号の収納はありません / no payment has this reference")
    if target.amount_yen != line.amount_yen:
        raise ReconcileError(
            f"金額が一致しません（請求 {target.amount_yen:,} 円、納付 {line.amount_yen:,} 円）"
            " / the amounts differ")
    return target


def _booking_problem(problem: str) -> str:
    return {
        "already_paid": "その収納は納付済みです / that payment is already paid",
        "amount_mismatch": "金額が一致しません / the amounts differ",
        "not_payable": "その収納は取消・免除・還付済みです / that payment cannot be paid",
    }.get(problem, "消込できませんでした / could not book the payment")


def exceptions_of(payment_file: PaymentFile) -> Any:
    """The file's lines that need staff action, unresolved first."""
    return (PaymentLine.unscoped.filter(file=payment_file, outcome__in=EXCEPTION_OUTCOMES)
            .select_related("payment")
            .order_by(F("resolved_at").asc(nulls_first=True), "line_no"))
