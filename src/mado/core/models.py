"""Tenants, departments, staff roles, API tokens and the audit log.

These are the rows every other app stands on: a Municipality (団体) owns
Departments (課), staff belong to one municipality and hold roles per
department, API tokens act for one staff member, and every read of personal
data or change is appended to a hash-chained AuditEntry log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mado.core.codes import validate_municipality_code
from mado.core.tenancy import TenantOwned


class Municipality(models.Model):
    """地方公共団体: the tenant. Identified by its 団体コード."""

    code = models.CharField(
        _("団体コード"), max_length=6, unique=True, validators=[validate_municipality_code]
    )
    name = models.CharField(_("団体名"), max_length=50)
    name_kana = models.CharField(_("団体名(カナ)"), max_length=100, blank=True)
    prefecture = models.CharField(_("都道府県"), max_length=10)
    hostnames = models.CharField(
        _("ホスト名"),
        max_length=500,
        blank=True,
        help_text=_("住民向けサイトのホスト名(カンマ区切り) / host names of the resident site"),
    )
    is_active = models.BooleanField(_("有効"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("団体")
        verbose_name_plural = _("団体")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def host_list(self) -> list[str]:
        return [h.strip().lower() for h in self.hostnames.split(",") if h.strip()]


class Department(TenantOwned):
    """課: owns procedures and a case inbox."""

    code = models.SlugField(_("課コード"), max_length=40)
    name = models.CharField(_("課名"), max_length=100)
    name_kana = models.CharField(_("課名(カナ)"), max_length=200, blank=True)
    location = models.CharField(
        _("場所"), max_length=200, blank=True, help_text=_("例: 本庁舎1階 2番窓口")
    )
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("課")
        verbose_name_plural = _("課")
        ordering = ["municipality", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="department_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """Staff roles, granted per department."""

    COUNTER = "counter", _("窓口")
    REVIEWER = "reviewer", _("審査")
    APPROVER = "approver", _("決裁")
    MANAGER = "manager", _("所属長")
    MY_NUMBER = "my_number", _("個人番号事務取扱")
    REGISTRY_ADMIN = "registry_admin", _("住民記録管理")


# Roles whose holders may see an unmasked 個人番号 (番号法: 事務取扱担当者 only).
MY_NUMBER_ROLES = frozenset({Role.MY_NUMBER, Role.REGISTRY_ADMIN})


class StaffProfile(models.Model):
    """Binds a Django user to exactly one municipality."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="staff")
    display_name = models.CharField(_("表示名"), max_length=100, blank=True)
    is_demo = models.BooleanField(
        default=False, help_text=_("seed_demo が作成した体験用アカウント / created by seed_demo")
    )

    class Meta:
        verbose_name = _("職員")
        verbose_name_plural = _("職員")

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()


class StaffMembership(TenantOwned):
    """A role a staff member holds in one department."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("所属・役割")
        verbose_name_plural = _("所属・役割")
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.department} / {self.get_role_display()}"


class ApiToken(TenantOwned):
    """A bearer token acting for one staff member. Only a SHA-256 of the secret is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("APIトークン")
        verbose_name_plural = _("APIトークン")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class AuditEntry(models.Model):
    """One append-only, hash-chained audit record.

    ``entry_hash`` = SHA-256 over the canonical form of the row and the
    previous row's hash, so editing or deleting any row breaks the chain
    (``mado audit_verify``). Database triggers refuse DELETE and any UPDATE
    except sealing.

    A row is inserted *unsealed* (``seq`` NULL, no hashes) so that recording
    takes no lock shared by every request; :func:`mado.core.audit.seal` then
    gives the committed rows their chain position and hashes in insertion
    order (``id``), which is the only UPDATE the triggers allow.
    """

    seq = models.BigIntegerField(unique=True, null=True, blank=True)
    at = models.DateTimeField(db_index=True)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    entry_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.seq or '-'} {self.action} {self.target_type}:{self.target_id}"


class AuditChainHead(models.Model):
    """The tip of the audit chain (one row); detects deletion of the newest entries."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"
