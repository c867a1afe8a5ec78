"""Reconciliation (消込) records: each imported payment file and each of its lines with an outcome.

Why keep every line, not only the exceptions: the monthly report (月次) that
三鷹市 draws up compares what the city booked with the agent's statement per
method, gross, fee and net (seed 001 L1269-1352); that needs the statement
lines themselves, matched or not. The file's bytes are kept with their
SHA-256 so that the same file imported twice is refused and an auditor can
see exactly what arrived.

Lines carry ``municipality`` like every tenant row, so the tenant manager
scopes them even when a view forgets to filter by file.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mado.core.tenancy import TenantOwned


class BrinOnPostgres(models.Index):
    """A BRIN index on PostgreSQL (ranges of 32 pages, summarised as they fill), a B-tree elsewhere.

    BRIN suits columns that follow the table's physical order (an append-only
    table's file id, dates); maintaining it costs almost nothing per row,
    where a B-tree costs an entry per row. SQLite (tests, demo) has no BRIN.
    """

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        statement = super().create_sql(model, schema_editor, using=" USING brin", **kwargs)
        statement.parts["extra"] = (" WITH (pages_per_range = 32, autosummarize = on)"
                                    + statement.parts["extra"])
        return statement


class FileKind(models.TextChoices):
    SETTLEMENT = "settlement", _("決済代行事業者の精算明細")
    BANK = "bank", _("金融機関・eL-QR 収納データ（模擬）")


class Outcome(models.TextChoices):
    """What a statement line turned out to be (the reason shown to staff)."""

    MATCHED = "matched", _("消込済（今回入金）")
    CONFIRMED = "confirmed", _("照合済（オンライン決済で入金済）")
    REFUND = "refund", _("返金（還付）")
    UNMATCHED = "unmatched", _("該当する収納なし")
    DUPLICATE = "duplicate", _("重複納付")
    SHORT = "short", _("過少納付（不足）")
    OVER = "over", _("過大納付（超過）")
    INVALID_REFERENCE = "invalid_reference", _("収納番号の誤り（確認用数字が不一致）")
    NOT_PAYABLE = "not_payable", _("収納対象外（取消・免除・還付済）")
    REFUND_UNRECORDED = "refund_unrecorded", _("市で記録のない返金")


# One character per outcome: PaymentFile.outcome_codes while a file's lines are pending.
OUTCOME_CODES: dict[str, str] = {
    Outcome.MATCHED: "m", Outcome.CONFIRMED: "c", Outcome.REFUND: "r", Outcome.UNMATCHED: "u",
    Outcome.DUPLICATE: "d", Outcome.SHORT: "s", Outcome.OVER: "o",
    Outcome.INVALID_REFERENCE: "i", Outcome.NOT_PAYABLE: "n", Outcome.REFUND_UNRECORDED: "x",
}

# Outcomes that need no staff action; every other outcome is an exception (要確認).
OK_OUTCOMES = frozenset({Outcome.MATCHED, Outcome.CONFIRMED, Outcome.REFUND})
EXCEPTION_OUTCOMES = tuple(o for o in Outcome.values if o not in OK_OUTCOMES)


class Resolution(models.TextChoices):
    NOTE = "note", _("確認済（メモのみ）")
    MATCH = "match", _("別の収納番号に消込")
    REFUND = "refund", _("還付（返金）手続へ")


class PaymentFile(TenantOwned):
    """One imported file: its bytes, hash, parse errors, totals checks and counts per outcome."""

    kind = models.CharField(_("種類"), max_length=20, choices=FileKind.choices)
    provider = models.CharField(_("決済事業者"), max_length=40, blank=True)
    filename = models.CharField(_("ファイル名"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size_bytes = models.PositiveIntegerField(_("サイズ（バイト）"))
    encoding = models.CharField(_("文字コード"), max_length=20)
    content = models.BinaryField(_("内容"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("取込日時"), default=timezone.now)
    record_count = models.PositiveIntegerField(_("明細件数"), default=0)
    error_count = models.PositiveIntegerField(_("エラー行数"), default=0)
    counts = models.JSONField(_("結果別件数"), default=dict, blank=True)
    errors = models.JSONField(_("行エラー"), default=list, blank=True)
    checks = models.JSONField(_("合計の検査"), default=list, blank=True)
    declared = models.JSONField(_("合計行の値"), default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(_("処理時間（ミリ秒）"), default=0)
    # A large file's lines and events are written on a second connection (reconcile.parallel);
    # until they are committed, the file says so and keeps each line's outcome, one character
    # per record (OUTCOME_CODES), so that they can be rebuilt after a crash.
    lines_pending = models.BooleanField(_("明細の書込み待ち"), default=False)
    outcome_codes = models.TextField(_("明細ごとの結果（書込み待ちの間）"), blank=True)

    class Meta:
        verbose_name = _("収納データファイル")
        verbose_name_plural = _("収納データファイル")
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "sha256"], name="payment_file_once")
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.imported_at:%Y-%m-%d %H:%M})"

    @property
    def exception_count(self) -> int:
        return sum(n for o, n in (self.counts or {}).items() if o in EXCEPTION_OUTCOMES)


class PaymentLine(TenantOwned):
    """One statement line, the payment it was matched to (if any) and its outcome."""

    # No database-level FK checks on the three links written in bulk (100,000 lines would mean
    # 300,000 trigger look-ups); only matching.write_lines writes them, from the file row it just
    # created (municipality, file) and the payment rows it just read (payment). No single-column
    # index on municipality, file or payment either: the (municipality, paid_at) and (file,
    # outcome) indexes below serve every query, and each index costs time on every line written.
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="団体",
        db_constraint=False, db_index=False,
    )
    file = models.ForeignKey(PaymentFile, on_delete=models.CASCADE, related_name="lines",
                             db_constraint=False, db_index=False)
    line_no = models.PositiveIntegerField(_("行番号"))
    reference = models.CharField(_("収納番号"), max_length=40, blank=True)
    payment = models.ForeignKey(
        "payments.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_constraint=False, db_index=False,  # no query looks lines up by payment
    )
    outcome = models.CharField(_("結果"), max_length=20, choices=Outcome.choices, blank=True)
    method = models.CharField(_("支払方法"), max_length=20)
    paid_at = models.DateTimeField(_("納付日時"))
    amount_yen = models.IntegerField(_("金額（円）"))
    fee_yen = models.IntegerField(_("手数料（円）"), default=0)
    net_yen = models.IntegerField(_("入金額（円）"), default=0)
    payer_name = models.CharField(_("納付者"), max_length=200, blank=True)
    transaction_id = models.CharField(_("取引ID"), max_length=100, blank=True)
    settlement_id = models.CharField(_("精算ID"), max_length=100, blank=True)
    channel_code = models.CharField(_("納付経路コード"), max_length=10, blank=True)
    bank_code = models.CharField(_("金融機関コード"), max_length=10, blank=True)
    resolution = models.CharField(
        _("処理"), max_length=20, choices=Resolution.choices, blank=True
    )
    resolution_note = models.TextField(_("処理メモ"), blank=True)
    # Set on the few exception lines staff resolve: a partial index (a full one would take an
    # entry per imported line). No database FK check either: PostgreSQL queues one (for the
    # NULL) per line COPY writes; only resolve_line sets it, to the signed-in user, and Django
    # still applies SET_NULL when a user is deleted.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False, db_constraint=False,
    )
    resolved_at = models.DateTimeField(_("処理日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("収納データ明細")
        verbose_name_plural = _("収納データ明細")
        ordering = ["file", "line_no"]
        # One B-tree entry per line (the primary key) instead of three: lines are appended a
        # file at a time, so file and paid_at follow the physical order and a BRIN index (a
        # few bytes per 32 pages) finds a file's lines or a month's; the exceptions staff work
        # through (well under 1 % of the lines) have a partial B-tree of their own.
        indexes = [
            BrinOnPostgres(fields=["file"], name="payment_line_file_brin"),
            BrinOnPostgres(fields=["municipality", "paid_at"], name="payment_line_paid_brin"),
            models.Index(fields=["file", "line_no"], name="payment_line_exception_idx",
                         condition=models.Q(outcome__in=EXCEPTION_OUTCOMES)),
            models.Index(fields=["resolved_by"], name="payment_line_resolver_idx",
                         condition=models.Q(resolved_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.file_id}:{self.line_no} {self.reference} ¥{self.amount_yen:,}"

    @property
    def is_exception(self) -> bool:
        return self.outcome in EXCEPTION_OUTCOMES

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
