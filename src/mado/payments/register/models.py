"""Counter register (窓口レジ) rows: register days, transactions with lines, payment slips.

Why these rows beside :class:`~mado.payments.models.Payment`: the Payment
says *that* a fee was paid (one row per amount, the same for every channel);
the register must also answer the cashier's questions — what was rung up on
which register day, how much cash should be in the drawer, which sale was
cancelled and why — and it must never lose a line. So a sale is a
:class:`RegisterTransaction` with its :class:`RegisterLine` rows and exactly
one booked Payment; a cancellation (取消) is *another* transaction of kind
``void`` with the negative amount that points at the sale it reverses (rows
are never deleted or edited afterwards). A :class:`RegisterDay` groups one
department's transactions of one business date and is closed once (日計締め):
after that it takes no more transactions.

:class:`PaymentSlip` records each issue of a 納付書 for a Payment (a lost
slip may be issued again); the slip's content is computed by
:mod:`mado.payments.slips` from the Payment itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mado.core.tenancy import TenantOwned
from mado.payments.models import Method


class RegisterDay(TenantOwned):
    """日計: one department's register on one business date; closed once."""

    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("課")
    )
    business_date = models.DateField(_("営業日"))
    opening_float_yen = models.PositiveIntegerField(_("釣銭準備金（円）"), default=0)
    closed_at = models.DateTimeField(_("締め日時"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    counted_cash_yen = models.PositiveIntegerField(_("実査した現金（円）"), null=True, blank=True)

    class Meta:
        verbose_name = _("レジ日計")
        verbose_name_plural = _("レジ日計")
        ordering = ["-business_date", "department_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "department", "business_date"],
                name="register_day_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.department}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class TransactionKind(models.TextChoices):
    SALE = "sale", _("会計")
    VOID = "void", _("取消")


class RegisterTransaction(TenantOwned):
    """One ring-up (kind sale, positive total) or one cancellation (kind void, negative total)."""

    day = models.ForeignKey(RegisterDay, on_delete=models.PROTECT, related_name="transactions")
    number = models.PositiveIntegerField(_("取引番号"))
    kind = models.CharField(_("種別"), max_length=10, choices=TransactionKind.choices)
    method = models.CharField(_("支払方法"), max_length=20, choices=Method.choices)
    total_yen = models.IntegerField(_("金額（円）"))
    tendered_yen = models.PositiveIntegerField(_("お預かり（円）"), null=True, blank=True)
    change_yen = models.PositiveIntegerField(_("お釣り（円）"), default=0)
    payment = models.ForeignKey(
        "payments.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("収納"),
    )
    voids = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voided_by",
        verbose_name=_("取り消した会計"),
    )
    reason = models.CharField(_("取消理由"), max_length=300, blank=True)
    payer_name = models.CharField(_("お客様"), max_length=200, blank=True)
    token = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("日時"), default=timezone.now)

    class Meta:
        verbose_name = _("レジ取引")
        verbose_name_plural = _("レジ取引")
        ordering = ["day", "number"]
        constraints = [
            models.UniqueConstraint(fields=["day", "number"], name="register_txn_number_unique"),
            models.UniqueConstraint(
                fields=["municipality", "token"], name="register_txn_token_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day.business_date} #{self.number} ¥{self.total_yen:,}"

    @property
    def receipt_number(self) -> str:
        """'20260401-0007' — printed on the receipt and read out when a sale is cancelled."""
        return f"{self.day.business_date:%Y%m%d}-{self.number:04d}"


class RegisterLine(TenantOwned):
    """One item of a sale: a procedure's fee × quantity."""

    transaction = models.ForeignKey(
        RegisterTransaction, on_delete=models.PROTECT, related_name="lines"
    )
    procedure_code = models.CharField(_("手続コード"), max_length=80)
    description = models.CharField(_("品目"), max_length=200)
    unit_price_yen = models.PositiveIntegerField(_("単価（円）"))
    quantity = models.PositiveIntegerField(_("数量"))
    amount_yen = models.PositiveIntegerField(_("金額（円）"))

    class Meta:
        verbose_name = _("レジ明細")
        verbose_name_plural = _("レジ明細")
        ordering = ["transaction", "pk"]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


class PaymentSlip(TenantOwned):
    """One issue of a 納付書 for a payment (reissued when lost; the newest one counts)."""

    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("納期限"))
    payload = models.CharField(_("QRコードの内容"), max_length=200)
    issued_at = models.DateTimeField(_("発行日時"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("納付書")
        verbose_name_plural = _("納付書")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.payment.reference} ({self.due_date})"
