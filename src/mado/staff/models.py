"""What staff sign-in remembers: TOTP devices, recovery codes, failed attempts.

Why here and not in core: these rows serve only the staff sign-in door (this
app's views and the admin, which is sent through them). The TOTP secret is
stored encrypted with the field keys (like the JPKI simulator's private keys),
recovery codes only as salted hashes, and a throttle row holds counters, never
a password or a code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TwoFactorDevice(models.Model):
    """One authenticator app (TOTP, RFC 6238) per staff account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor"
    )
    secret_encrypted = models.TextField(_("秘密鍵(暗号化)"), editable=False)
    confirmed = models.BooleanField(_("確認済み"), default=False)
    # The last accepted time step: a code is accepted once only (no replay).
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("二要素認証")
        verbose_name_plural = _("二要素認証")

    def __str__(self) -> str:
        return f"TOTP {self.user_id}"


class RecoveryCode(models.Model):
    """A one-time code for when the phone is lost; only its salted hash is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("リカバリーコード")
        verbose_name_plural = _("リカバリーコード")

    def __str__(self) -> str:
        return f"recovery code {self.pk} of {self.user_id}"


class LoginThrottle(models.Model):
    """Failed sign-ins of one account name or one client address, and its lock."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ログイン試行")
        verbose_name_plural = _("ログイン試行")

    def __str__(self) -> str:
        return self.key
