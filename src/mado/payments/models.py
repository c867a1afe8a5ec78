"""Payments (収納): what the city expects to be paid, and what was paid, by which method.

Why one :class:`Payment` row per expected amount: every way money reaches the
city — card on the hosted page, QR code payment, Pay-easy-like bank transfer,
a 納付書 (payment slip) paid at a bank or by smartphone, cash at the counter
register — ends in the same row, found by its numeric ``reference``
(収納番号, with a check digit, printable on a slip and typed at an ATM). The
reconciliation (消込) matches incoming statement lines to these rows by
reference; the counter register and the online application create them.

:class:`Refund` rows record 還付 with a reason; :class:`ProviderEvent` rows are
the webhook deliveries received from a provider (idempotency: one row per
provider event id; a replay is recognised and booked once).

Public operations live in :mod:`mado.payments.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mado.core.tenancy import TenantOwned


class Method(models.TextChoices):
    """How a payment was (or is to be) made: the cashless share is reported per method."""

    CARD = "card", _("クレジットカード")
    EMONEY = "emoney", _("電子マネー")
    QR = "qr", _("QRコード決済")
    BANK = "bank", _("銀行振込・ペイジー")
    SLIP = "slip", _("納付書（金融機関・スマホ決済）")
    CASH = "cash", _("現金")


CASHLESS_METHODS = (Method.CARD, Method.EMONEY, Method.QR, Method.BANK, Method.SLIP)


class PaymentChannel(models.TextChoices):
    WEB = "web", _("オンライン申請")
    COUNTER = "counter", _("窓口")
    MAIL = "mail", _("郵送請求")
    SLIP = "slip", _("納付書")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("未納（支払待ち）")
    AUTHORIZED = "authorized", _("与信済")
    PAID = "paid", _("納付済")
    DECLINED = "declined", _("決済不可")
    FAILED = "failed", _("決済エラー")
    CANCELLED = "cancelled", _("取消")
    REFUNDED = "refunded", _("還付済")
    EXEMPT = "exempt", _("免除")


# A payment in one of these may still be paid (a decline or an error leaves it payable).
PAYABLE_STATUSES = (PaymentStatus.PENDING, PaymentStatus.DECLINED, PaymentStatus.FAILED)


class Payment(TenantOwned):
    """収納: one amount the city expects, and how and when it was paid."""

    # Indexes cost time on every booking (a non-HOT UPDATE writes a new entry in each, and a
    # reconciliation books 100,000 at once): no single-column index on municipality (every
    # composite index below starts with it); the submission and status indexes are partial
    # (slips for taxes and counter sales have no submission; paid rows leave the status index).
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="団体",
        db_index=False,
    )
    reference = models.CharField(_("収納番号"), max_length=20)
    submission = models.ForeignKey(
        "submissions.Submission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("申請"),
        db_index=False,
    )
    procedure_code = models.CharField(_("手続コード"), max_length=80, blank=True)
    description = models.CharField(_("内容"), max_length=200)
    amount_yen = models.PositiveIntegerField(_("金額（円）"))
    status = models.CharField(
        _("状態"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    method = models.CharField(_("支払方法"), max_length=20, choices=Method.choices, blank=True)
    channel = models.CharField(_("経路"), max_length=20, choices=PaymentChannel.choices)
    provider = models.CharField(_("決済事業者"), max_length=40, blank=True)
    provider_payment_id = models.CharField(_("決済事業者の取引ID"), max_length=100, blank=True)
    payer_name = models.CharField(_("納付者"), max_length=200, blank=True)
    due_date = models.DateField(_("納期限"), null=True, blank=True)
    paid_at = models.DateTimeField(_("納付日時"), null=True, blank=True)
    refunded_yen = models.PositiveIntegerField(_("還付額（円）"), default=0)
    exemption_reason = models.CharField(_("免除理由"), max_length=200, blank=True)
    detail = models.JSONField(_("詳細"), default=dict, blank=True)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("収納")
        verbose_name_plural = _("収納")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "reference"], name="payment_reference_unique"
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~Q(provider_payment_id=""),
                name="payment_provider_id_unique",
            ),
        ]
        # No index on a column that booking changes (status, method, paid_at): with half of
        # each page kept free (fillfactor 45, migration 0004, PostgreSQL) the row version that
        # booking writes then stays on its page and no index gets an entry (a HOT update) —
        # a reconciliation books 100,000 payments at once. The staff list pages by creation
        # time; the monthly report reads one municipality's payments (see docs).
        indexes = [
            models.Index(fields=["municipality", "-created_at"], name="payment_created_idx"),
            models.Index(fields=["submission"], name="payment_submission_idx",
                         condition=Q(submission__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ¥{self.amount_yen:,}"

    @property
    def is_payable(self) -> bool:
        return self.status in PAYABLE_STATUSES


class Refund(TenantOwned):
    """還付: money returned on a payment, always with a reason and the staff member who did it."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_yen = models.PositiveIntegerField(_("還付額（円）"))
    reason = models.CharField(_("理由"), max_length=300)
    provider_refund_id = models.CharField(_("決済事業者の返金ID"), max_length=100, blank=True)
    confirmed_at = models.DateTimeField(_("返金確認日時"), null=True, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    at = models.DateTimeField(_("日時"), default=timezone.now)

    class Meta:
        verbose_name = _("還付")
        verbose_name_plural = _("還付")
        ordering = ["-at"]


class ProviderEvent(TenantOwned):
    """One webhook delivery accepted from a payment provider (replays are recognised by event id)."""

    provider = models.CharField(_("決済事業者"), max_length=40)
    event_id = models.CharField(_("イベントID"), max_length=100)
    kind = models.CharField(_("種類"), max_length=60)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="provider_events"
    )
    payload = models.JSONField(_("内容"), default=dict)
    received_at = models.DateTimeField(_("受信日時"), default=timezone.now)

    class Meta:
        verbose_name = _("決済通知")
        verbose_name_plural = _("決済通知")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_unique")
        ]


class FeeKind(models.TextChoices):
    FREE = "free", _("無料")
    FIXED = "fixed", _("定額")
    PER_COPY = "per_copy", _("1通（1点）あたり")
    COMPUTED = "computed", _("入力内容から計算")


class FeeTiming(models.TextChoices):
    BEFORE = "before", _("申請時に支払う")
    AFTER_REVIEW = "after_review", _("審査後に支払う（事後決済）")


class FeeRule(TenantOwned):
    """How the fee of one procedure is worked out, and when it is paid.

    Kept as data (not code) so that staff can change a fee or add an exemption
    in the admin. ``expression`` and ``exempt_when`` use the procedures rule
    language over the form's fields (``total_items * 500``,
    ``purpose == "pension"``): parsed and type-checked, never ``eval``.
    Without a rule, a procedure's own ``fee``/``fee_unit`` apply (paid before).
    """

    procedure_code = models.CharField(_("手続コード"), max_length=80)
    kind = models.CharField(_("計算方法"), max_length=20, choices=FeeKind.choices)
    amount_yen = models.PositiveIntegerField(_("金額（円）・単価"), default=0)
    copies_field = models.CharField(
        _("通数・点数の項目"), max_length=80, blank=True, default="copies"
    )
    expression = models.CharField(_("計算式"), max_length=500, blank=True)
    exempt_when = models.CharField(_("免除の条件"), max_length=500, blank=True)
    exemption_reason = models.CharField(_("免除理由"), max_length=200, blank=True)
    timing = models.CharField(
        _("支払の時期"), max_length=20, choices=FeeTiming.choices, default=FeeTiming.BEFORE
    )
    note = models.CharField(_("補足"), max_length=300, blank=True)
    is_active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("手数料の設定")
        verbose_name_plural = _("手数料の設定")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "procedure_code"], name="fee_rule_procedure_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure_code}: {self.get_kind_display()}"


# The sandbox acquirer keeps its own ledger (outside the city's rows); its models
# live beside its code and are registered under this app's label.
from mado.payments.providers.contrib.sandbox.models import (  # noqa: E402, F401
    SandboxCharge,
    SandboxCheckout,
    SandboxRefund,
    SandboxWebhook,
)
from mado.payments.signals import connect as _connect_signals  # noqa: E402

_connect_signals()
