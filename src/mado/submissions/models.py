"""Submissions (申請・届出), their status history, attachments, receipt counters and KPI events.

Every channel (web form, no-writing counter, mail, マイナポータル import, pre-visit
QR) ends in one :class:`Submission`, so the back office works one inbox and
the KPIs count one kind of object (DESIGN §1). A submission keeps the exact
form version it was made with, the validated values, how the applicant proved
who they are, and any 代理人. Drafts are Submissions in status ``draft`` that a
resident resumes with a secret token (only its hash is stored).

:class:`ServiceEvent` rows are append-only facts (one per step: form started,
step completed, submitted, status changed, ...) from which online share,
fields typed vs. prefilled and processing times are computed later; they never
hold personal data. Public operations live in :mod:`mado.submissions.services`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mado.core.tenancy import TenantOwned


class SubmissionChannel(models.TextChoices):
    WEB = "web", _("オンライン")
    COUNTER = "counter", _("窓口")
    MAIL = "mail", _("郵送")
    NATIONAL_PORTAL = "national_portal", _("マイナポータル（ぴったりサービス）")
    PREVISIT = "previsit", _("来庁前申請")


class Status(models.TextChoices):
    DRAFT = "draft", _("作成中")
    SUBMITTED = "submitted", _("申請済")
    ACCEPTED = "accepted", _("受付")
    IN_REVIEW = "in_review", _("審査中")
    RETURNED = "returned", _("差戻し")
    APPROVED = "approved", _("決裁済")
    COMPLETED = "completed", _("完了")
    REJECTED = "rejected", _("却下")
    WITHDRAWN = "withdrawn", _("取下げ")


class IdentityLevel(models.TextChoices):
    NONE = "none", _("本人確認なし")
    EMAIL = "email", _("メールアドレス確認")
    CARD = "card", _("マイナンバーカード")


class Submission(TenantOwned):
    """申請・届出: one application, from any channel, with the form version it was made with."""

    # Every query names the municipality with more (status, subject, e-mail):
    # the composite indexes below serve it; a separate one only costs INSERTs.
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="団体",
        db_index=False,
    )
    receipt_number = models.CharField(_("受付番号"), max_length=20, blank=True)
    procedure = models.ForeignKey(
        "procedures.Procedure",
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("手続"),
    )
    form_version = models.ForeignKey(
        "eforms.FormVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("様式の版"),
    )
    channel = models.CharField(_("受付方法"), max_length=20, choices=SubmissionChannel.choices)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    data = models.JSONField(_("入力内容"), default=dict, blank=True)
    identity_level = models.CharField(
        _("本人確認"), max_length=10, choices=IdentityLevel.choices, default=IdentityLevel.NONE
    )
    identity_subject = models.CharField(
        _("本人確認の識別子"),
        max_length=200,
        blank=True,
        help_text=_("カードのシリアル番号または確認済みメールアドレス"),
    )
    resident = models.ForeignKey(
        "registry.ResidentRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submissions",
        verbose_name=_("住民"),
        db_index=False,  # submission_resident_idx: only the rows that have one
    )
    applicant_email = models.EmailField(_("連絡先メールアドレス"), blank=True)
    proxy = models.JSONField(
        _("代理人"),
        default=dict,
        blank=True,
        help_text=_('{"name": "…", "relationship": "…", "contact": "…"}; 本人申請は空'),
    )
    fee_yen = models.PositiveIntegerField(_("手数料（円）"), default=0)
    submitted_at = models.DateTimeField(_("申請日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    resume_token_hash = models.CharField(max_length=64, blank=True)
    draft_expires_at = models.DateTimeField(_("下書きの期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("申請・届出")
        verbose_name_plural = _("申請・届出")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "receipt_number"],
                condition=~Q(receipt_number=""),
                name="submission_receipt_unique",
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "status"], name="submission_status_idx"),
            models.Index(
                fields=["municipality", "identity_subject"], name="submission_subject_idx"
            ),
            # /my/ matches verified e-mails case-insensitively (applicant_email__iexact
            # is UPPER(...) = UPPER(...)): a plain index cannot serve it, and a
            # sequential scan of every submission grew with the table under load.
            models.Index(
                F("municipality"), Upper("applicant_email"), name="submission_email_upper_idx"
            ),
            # Drafts only: a resumed draft is found by its token's hash (equality).
            models.Index(
                fields=["resume_token_hash"],
                condition=~Q(resume_token_hash=""),
                name="submission_resume_idx",
            ),
            models.Index(
                fields=["resident"], condition=Q(resident__isnull=False),
                name="submission_resident_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number or f"下書き #{self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT


class PendingCompletion(models.Model):
    """A submission whose follow-up records are still to be written (the API's outbox).

    Why a table of its own rather than a column on Submission: the row is
    inserted with the submission and deleted when ``submissions.completion``
    has written the StatusChange, ServiceEvents, audit entry and case. An
    UPDATE of a flag on the submission would rewrite the wide submission row
    and every one of its indexes; an INSERT and a DELETE of this narrow row
    touch one index. ``meta`` holds what the later records need (counts, actor).
    """

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    meta = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("後続処理待ちの申請")
        verbose_name_plural = _("後続処理待ちの申請")

    def __str__(self) -> str:
        return f"pending #{self.submission_id}"


class StatusChange(TenantOwned):
    """One step in a submission's life (受付, 審査, 差戻し, ...), newest last."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("変更前"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("変更後"), max_length=20, choices=Status.choices)
    at = models.DateTimeField(_("日時"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("職員"),
        db_index=False,  # statuschange_changed_by_idx: staff moves only
    )
    actor = models.CharField(
        _("変更した人"), max_length=150, help_text=_("職員のユーザー名、resident または system")
    )
    note = models.TextField(_("メモ"), blank=True)
    visible_to_resident = models.BooleanField(_("申請者に表示"), default=True)

    class Meta:
        verbose_name = _("状態の履歴")
        verbose_name_plural = _("状態の履歴")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(
                fields=["changed_by"], condition=Q(changed_by__isnull=False),
                name="statuschange_changed_by_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Attachment(TenantOwned):
    """An uploaded file. Stored under a random name; the uploaded name is display text only."""

    ref = models.UUIDField(_("参照ID"), default=uuid.uuid4, unique=True, editable=False)
    submission = models.ForeignKey(
        Submission,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("申請"),
    )
    field_key = models.CharField(_("項目"), max_length=80, blank=True)
    original_name = models.CharField(_("元のファイル名"), max_length=255, blank=True)
    stored_path = models.CharField(_("保存先"), max_length=300, editable=False)
    content_type = models.CharField(_("種類（判定結果）"), max_length=100)
    size = models.PositiveBigIntegerField(_("サイズ（バイト）"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name or str(self.ref)


class ReceiptCounter(TenantOwned):
    """The last receipt sequence issued by one municipality in one fiscal year (年度)."""

    fiscal_year = models.PositiveSmallIntegerField(_("年度（西暦）"))
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("受付番号の採番")
        verbose_name_plural = _("受付番号の採番")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "fiscal_year"], name="receipt_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}: {self.last_value}"


class ServiceEvent(TenantOwned):
    """An append-only fact for KPIs (DESIGN §1). Holds no personal data.

    The most written table (two rows per submission, one per payment): its
    indexes are the ones the reports and the pipeline read, nothing more —
    ``municipality`` is covered by ``serviceevent_kind_at_idx`` (and has no
    database FK check, see the field) and the link to
    the submission is indexed only where there is one (a payment booked by a
    100,000-line reconciliation writes 100,000 events).
    """

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="団体",
        # A fact table's tenant column: no database FK check. Each checked row cost
        # PostgreSQL one lookup at COMMIT (0.8 s of a 100,000-line reconciliation);
        # the value always comes from a row of the same transaction, and Django
        # still refuses to delete a municipality that has events (PROTECT).
        db_index=False, db_constraint=False,
    )
    at = models.DateTimeField(_("日時"), default=timezone.now)
    kind = models.CharField(_("種類"), max_length=40)
    channel = models.CharField(_("受付方法"), max_length=20, blank=True)
    procedure_code = models.CharField(_("手続コード"), max_length=80, blank=True)
    submission = models.ForeignKey(
        Submission,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("申請"),
        db_index=False,
    )
    fields_prefilled = models.PositiveIntegerField(_("自動入力された項目数"), default=0)
    fields_typed = models.PositiveIntegerField(_("入力された項目数"), default=0)
    duration_ms = models.PositiveIntegerField(_("所要時間（ミリ秒）"), null=True, blank=True)
    payment_method = models.CharField(_("支払方法"), max_length=30, blank=True)
    detail = models.JSONField(_("詳細"), default=dict, blank=True)

    class Meta:
        verbose_name = _("サービスイベント")
        verbose_name_plural = _("サービスイベント")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["municipality", "kind", "at"], name="serviceevent_kind_at_idx"),
            models.Index(
                fields=["submission"],
                condition=Q(submission__isnull=False),
                name="serviceevent_submission_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("ServiceEvent は追記のみです / ServiceEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("ServiceEvent は削除できません / ServiceEvent is append-only")
