"""Rows of the identity port: the simulated JPKI world and the relying party's state.

Two sides are kept apart on purpose, as they are in the real 公的個人認証:

* the **issuing side** — :class:`CertificateAuthority` (stands for J-LIS, one per
  deployment, not per municipality), :class:`RevokedCertificate` (its CRL
  entries) and :class:`DemoCard` (a simulated My Number card: certificate,
  private key and signature PIN live *in the card*);
* the **verifying side** — :class:`Challenge` (nonces we asked a card to sign)
  and :class:`EmailLink` (single-use sign-in links).

Private keys are stored only Fernet-encrypted with the registry's field keys
(``MADO_FIELD_KEYS``), like 個人番号. The verifier never reads a card's key.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from mado.core.tenancy import TenantOwned

# A real signature PIN locks after five wrong tries (reset only at the counter).
PIN_MAX_TRIES = 5


class CertificateAuthority(models.Model):
    """A simulated certification authority (署名用認証局).

    ``trusted`` marks the CA the verifier accepts (the deployment's stand-in for
    J-LIS). An untrusted row is a *foreign* CA, kept so testers can see that
    cards from another issuer are refused.
    """

    name = models.CharField(_("認証局名"), max_length=200, unique=True)
    trusted = models.BooleanField(_("信頼する"), default=False)
    key_encrypted = models.TextField(_("秘密鍵(暗号化)"), editable=False)
    certificate_pem = models.TextField(_("CA証明書"))
    crl_number = models.PositiveIntegerField(_("CRL番号"), default=0)
    crl_pem = models.TextField(_("最新のCRL"), blank=True)
    # The simulated CA republishes its CRL on schedule; switch off to simulate a
    # distribution point that stopped updating (the verifier then refuses).
    crl_auto_publish = models.BooleanField(_("CRLを定期発行する"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("認証局(模擬)")
        verbose_name_plural = _("認証局(模擬)")

    def __str__(self) -> str:
        return self.name


class RevokedCertificate(models.Model):
    """One CRL entry: a certificate the CA has revoked (失効)."""

    ca = models.ForeignKey(CertificateAuthority, on_delete=models.CASCADE, related_name="revoked")
    serial = models.CharField(_("シリアル番号"), max_length=64)
    reason = models.CharField(_("失効理由"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("失効日時"))

    class Meta:
        verbose_name = _("失効証明書")
        verbose_name_plural = _("失効証明書")
        constraints = [
            models.UniqueConstraint(fields=["ca", "serial"], name="identity_revoked_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ca} #{self.serial}"


class DemoCard(TenantOwned):
    """A simulated My Number card holding a 署名用電子証明書 and its private key."""

    label = models.CharField(_("表示名"), max_length=200)
    kind = models.CharField(
        _("種類"),
        max_length=20,
        default="normal",
        help_text=_("normal / expired / revoked / foreign / not_yet_valid (テスト用の表示)"),
    )
    resident = models.ForeignKey(
        "registry.ResidentRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("住民"),
    )
    ca = models.ForeignKey(
        CertificateAuthority,
        on_delete=models.PROTECT,
        related_name="cards",
        verbose_name=_("発行者"),
    )
    serial = models.CharField(_("シリアル番号"), max_length=64)
    certificate_pem = models.TextField(_("署名用電子証明書"))
    key_encrypted = models.TextField(_("秘密鍵(暗号化)"), editable=False)
    pin_hash = models.CharField(_("署名用暗証番号(ハッシュ)"), max_length=200, editable=False)
    failed_pin_count = models.PositiveSmallIntegerField(_("暗証番号の誤り回数"), default=0)
    card_expires = models.DateField(_("カードの有効期限"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("体験用カード")
        verbose_name_plural = _("体験用カード")
        ordering = ["municipality", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ca", "serial"], name="identity_card_serial_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def locked(self) -> bool:
        return self.failed_pin_count >= PIN_MAX_TRIES


class Challenge(TenantOwned):
    """A nonce the verifier asked a card to sign: short-lived and single-use.

    Tenant-owned: a challenge issued on one municipality's site cannot be
    answered on another's (the scoped manager does not find it there).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    nonce = models.CharField(max_length=64)
    origin = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("チャレンジ")
        verbose_name_plural = _("チャレンジ")

    def __str__(self) -> str:
        return str(self.id)


class EmailLink(TenantOwned):
    """One e-mailed sign-in link. The address itself travels only in the signed token;
    here we keep its keyed hash, to rate-limit requests and to bind the token."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    address_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("メールリンク")
        verbose_name_plural = _("メールリンク")

    def __str__(self) -> str:
        return str(self.id)
