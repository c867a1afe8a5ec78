"""The sandbox acquirer's own ledger: checkouts, charges, refunds and webhooks it sent.

Why separate from :class:`~mado.payments.models.Payment`: a real acquirer keeps
its books on its side and the city only learns what it is told (a webhook, a
``retrieve`` call, a settlement file). Keeping the simulator's ledger apart
means the city code cannot cheat by reading it, and the settlement file is
produced from what the acquirer captured, so reconciliation has something real
to compare against. The rows are not tenant-owned: the acquirer knows its
merchants only by their merchant id (the 団体コード).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CheckoutStatus(models.TextChoices):
    OPEN = "open", _("支払待ち")
    COMPLETED = "completed", _("完了")
    EXPIRED = "expired", _("期限切れ")


class ChargeStatus(models.TextChoices):
    AUTHORIZED = "authorized", _("与信済")
    CAPTURED = "captured", _("売上確定")
    DECLINED = "declined", _("拒否")
    FAILED = "failed", _("処理エラー")
    VOIDED = "voided", _("与信取消")


class SandboxCheckout(models.Model):
    """A hosted payment page session (expires after 30 minutes)."""

    checkout_id = models.CharField(max_length=40, unique=True)
    merchant = models.CharField(max_length=20)
    merchant_name = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=20)
    description = models.CharField(max_length=200)
    amount_yen = models.PositiveIntegerField()
    return_url = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=CheckoutStatus.choices,
                              default=CheckoutStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("サンドボックス決済画面")
        verbose_name_plural = _("サンドボックス決済画面")


    def __str__(self) -> str:
        return self.checkout_id

class SandboxCharge(models.Model):
    """One attempt to take money: authorised, then captured (or declined / failed)."""

    charge_id = models.CharField(max_length=40, unique=True)
    checkout = models.ForeignKey(SandboxCheckout, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="charges")
    merchant = models.CharField(max_length=20)
    reference = models.CharField(max_length=20)
    method = models.CharField(max_length=20)
    amount_yen = models.PositiveIntegerField()
    authorized_yen = models.PositiveIntegerField(default=0)
    captured_yen = models.PositiveIntegerField(default=0)
    refunded_yen = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=ChargeStatus.choices)
    decline_code = models.CharField(max_length=40, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    authorized_at = models.DateTimeField(null=True, blank=True)
    auth_expires_at = models.DateTimeField(null=True, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("サンドボックス取引")
        verbose_name_plural = _("サンドボックス取引")
        indexes = [models.Index(fields=["merchant", "captured_at"], name="sandbox_charge_day_idx")]


    def __str__(self) -> str:
        return self.charge_id

class SandboxRefund(models.Model):
    refund_id = models.CharField(max_length=40, unique=True)
    charge = models.ForeignKey(SandboxCharge, on_delete=models.PROTECT, related_name="refunds")
    amount_yen = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("サンドボックス返金")
        verbose_name_plural = _("サンドボックス返金")


    def __str__(self) -> str:
        return self.refund_id

class SandboxWebhook(models.Model):
    """A webhook the sandbox signed and sent (kept so it can be redelivered, as acquirers do)."""

    event_id = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=40)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("サンドボックス通知")
        verbose_name_plural = _("サンドボックス通知")

    def __str__(self) -> str:
        return self.event_id
