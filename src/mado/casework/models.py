"""Cases (案件) and what the back office keeps about them.

Why a Case beside the Submission: the submission is the resident's record and
holds the one status (submissions.lifecycle); the case is the department's work
item for it — who works it, by when, what the automatic review found, where the
approval (決裁) stands. Every status change goes through
``submissions.services.change_status`` (or ``submit``); the case keeps a *copy*
of the status and of the channel only so the inbox can filter and count on its
own indexed columns (see ``casework.sync``, which keeps the copy equal in the
same transaction).

Configuration that staff edit (review rules, approval routes, notice templates,
webhooks, delegations, grants) are rows too, so a city changes them in the
admin without a release.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mado.core.tenancy import TenantOwned
from mado.submissions.models import Status, SubmissionChannel

# Statuses in which a case still waits for the department (not decided, not withdrawn):
# the inbox lists them by default and only they can be overdue.
UNDECIDED = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_REVIEW, Status.RETURNED,
             Status.APPROVED)


class Priority(models.TextChoices):
    NORMAL = "normal", _("通常")
    HIGH = "high", _("高")
    URGENT = "urgent", _("至急")


class ReviewOutcome(models.TextChoices):
    NONE = "", _("未審査")
    PASS = "pass", _("適合")
    REFER = "refer", _("要確認")


class ApprovalState(models.TextChoices):
    NONE = "", _("未回付")
    PENDING = "pending", _("決裁中")
    APPROVED = "approved", _("決裁済")


class Case(TenantOwned):
    """案件: the department's work item for one submission.

    ``status`` and ``channel`` are copies of the submission's (the submission
    stays the source of truth); ``casework.sync`` keeps ``status`` equal.
    """

    submission = models.OneToOneField(
        "submissions.Submission", on_delete=models.CASCADE, related_name="case",
        verbose_name=_("申請"))
    # The inbox's composite indexes (Meta) lead with municipality and department /
    # procedure / assignee and serve every query; single-column FK indexes would
    # only add work to each new case (the submission path's throughput).
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="団体",
        db_index=False)
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="cases", verbose_name=_("課"),
        db_index=False)
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.PROTECT, related_name="cases",
        verbose_name=_("手続"), db_index=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_cases", verbose_name=_("担当者"), db_index=False)
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices,
                              default=Status.SUBMITTED, editable=False)
    channel = models.CharField(_("受付方法"), max_length=20, choices=SubmissionChannel.choices,
                               blank=True, editable=False)
    applicant_name = models.CharField(_("申請者"), max_length=200, blank=True)
    applicant_kana = models.CharField(_("申請者(フリガナ)"), max_length=200, blank=True)
    opened_at = models.DateTimeField(_("受付日時"), default=timezone.now)
    due_date = models.DateField(_("処理期限"))
    priority = models.CharField(_("優先度"), max_length=10, choices=Priority.choices,
                                default=Priority.NORMAL)
    review_outcome = models.CharField(_("自動審査"), max_length=10, blank=True,
                                      choices=ReviewOutcome.choices, default=ReviewOutcome.NONE)
    review_reasons = models.JSONField(_("要確認の理由"), default=list, blank=True)
    reviewed_at = models.DateTimeField(_("自動審査日時"), null=True, blank=True)
    approval_state = models.CharField(_("決裁"), max_length=10, blank=True,
                                      choices=ApprovalState.choices, default=ApprovalState.NONE)
    approval_round = models.PositiveIntegerField(_("回付の回数"), default=0)
    decided_at = models.DateTimeField(_("決定日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["due_date", "pk"]
        indexes = [
            # Per-status counts (index-only GROUP BY) and one status's page in due order.
            models.Index(fields=["municipality", "department", "status", "due_date", "id"],
                         name="case_inbox_status_idx"),
            # The open cases' page (several statuses) in due order.
            models.Index(fields=["municipality", "department", "due_date", "id"],
                         name="case_inbox_idx"),
            models.Index(fields=["municipality", "department", "channel", "status"],
                         name="case_channel_idx"),
            models.Index(fields=["municipality", "assignee"], name="case_assignee_idx"),
            models.Index(fields=["municipality", "procedure"], name="case_procedure_idx"),
            models.Index(fields=["municipality", "applicant_kana"], name="case_kana_idx"),
        ]

    def __str__(self) -> str:
        return f"案件 {self.submission_id}"

    @property
    def undecided(self) -> bool:
        """Still waiting for the department (so it may be overdue)."""
        return self.status in UNDECIDED


class CaseEvent(TenantOwned):
    """One line of a case's timeline besides status changes (those are StatusChange rows)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("案件作成")
        COMMENT = "comment", _("コメント")
        ASSIGNED = "assigned", _("担当割当")
        REVIEW = "review", _("自動審査")
        APPROVAL = "approval", _("決裁")
        ATTACHMENT = "attachment", _("内部添付")
        NOTICE = "notice", _("決定通知")
        EXPORT = "export", _("連携")

    # caseevent_case_idx (case, at) serves the timeline; no separate FK indexes.
    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="団体",
        db_index=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events",
                             db_index=False)
    at = models.DateTimeField(_("日時"), default=timezone.now)
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", db_index=False)
    actor_label = models.CharField(_("実施者"), max_length=150, blank=True)
    text = models.TextField(_("内容"), blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("案件の履歴")
        verbose_name_plural = _("案件の履歴")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class CaseAttachment(TenantOwned):
    """An internal file (memo, scanned paper approval). Never shown to the resident."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="internal_files")
    original_name = models.CharField(_("ファイル名"), max_length=255)
    stored_path = models.CharField(max_length=300, editable=False)
    content_type = models.CharField(_("種類"), max_length=100)
    size = models.PositiveBigIntegerField(_("サイズ"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("内部添付")
        verbose_name_plural = _("内部添付")

    def __str__(self) -> str:
        return self.original_name


class CaseGrant(TenantOwned):
    """Lets a staff member work another department's cases (応援・兼務), optionally until a date."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="case_grants", verbose_name=_("職員"))
    department = models.ForeignKey("core.Department", on_delete=models.CASCADE,
                                   related_name="case_grants", verbose_name=_("課"))
    until = models.DateField(_("期限"), null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("他課案件の取扱許可")
        verbose_name_plural = _("他課案件の取扱許可")

    def __str__(self) -> str:
        return f"{self.user} → {self.department}"


class ReviewRule(TenantOwned):
    """One automatic review check: a rule in the safe rule language; false/unknown → 要確認."""

    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.CASCADE,
                                  related_name="review_rules", verbose_name=_("手続"))
    name = models.CharField(_("名称"), max_length=100)
    expression = models.TextField(
        _("条件"), help_text=_("満たすべき条件 (例: is_resident and no_tax_arrears)"))
    refer_reason = models.CharField(_("要確認の理由"), max_length=200)
    sort_order = models.PositiveIntegerField(_("順序"), default=0)
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("自動審査ルール")
        verbose_name_plural = _("自動審査ルール")
        ordering = ["procedure", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.name


class ApprovalRoute(TenantOwned):
    """決裁ルート of a procedure; also sets the processing deadline in business days."""

    procedure = models.OneToOneField("procedures.Procedure", on_delete=models.CASCADE,
                                     related_name="approval_route", verbose_name=_("手続"))
    name = models.CharField(_("名称"), max_length=100)
    allow_paper = models.BooleanField(_("紙決裁を認める"), default=True)
    due_business_days = models.PositiveSmallIntegerField(_("処理期間(開庁日)"), default=10)

    class Meta:
        verbose_name = _("決裁ルート")
        verbose_name_plural = _("決裁ルート")

    def __str__(self) -> str:
        return self.name


class ApprovalStep(TenantOwned):
    """One approver slot. Steps with the same ``order`` form a parallel group (all must approve)."""

    route = models.ForeignKey(ApprovalRoute, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("段"))
    label = models.CharField(_("名称"), max_length=100)
    role = models.CharField(_("役割"), max_length=20,
                            help_text=_("approver(決裁) または manager(所属長)"))
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("課"), help_text=_("空欄なら案件の課"))

    class Meta:
        verbose_name = _("決裁の段")
        verbose_name_plural = _("決裁の段")
        ordering = ["route", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.order}. {self.label}"


class Approval(TenantOwned):
    """A step approved for a case in one round (a 差戻し starts a new round)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    step = models.ForeignKey(ApprovalStep, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveIntegerField(default=1)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+", verbose_name=_("決裁者"))
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("代決の対象"))
    paper = models.BooleanField(_("紙決裁"), default=False)
    scan = models.ForeignKey(CaseAttachment, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("決裁文書の写し"))
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT,
                                   related_name="+")
    comment = models.CharField(_("意見"), max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("決裁")
        verbose_name_plural = _("決裁")
        constraints = [models.UniqueConstraint(fields=["case", "step", "round"],
                                               name="approval_once_per_round")]
        indexes = [models.Index(fields=["municipality", "department"], name="approval_dept_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.step_id}/{self.round}"


class Delegation(TenantOwned):
    """代決: while ``delegator`` is absent, ``delegate`` may approve in their place."""

    delegator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="delegations_given", verbose_name=_("不在の職員"))
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="delegations_received", verbose_name=_("代決者"))
    starts_on = models.DateField(_("開始日"))
    ends_on = models.DateField(_("終了日"))
    reason = models.CharField(_("理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("代決")
        verbose_name_plural = _("代決")

    def __str__(self) -> str:
        return f"{self.delegate} for {self.delegator}"


class NoticeTemplate(TenantOwned):
    """決定通知の雛形: a Django template string (rendered in a sandbox of plain values)."""

    class Kind(models.TextChoices):
        APPROVED = "approved", _("決定")
        REJECTED = "rejected", _("却下")

    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.CASCADE, null=True,
                                  blank=True, related_name="notice_templates",
                                  help_text=_("空欄なら全手続の既定"))
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("表題"), max_length=200)
    body = models.TextField(_("本文"))

    class Meta:
        verbose_name = _("決定通知の雛形")
        verbose_name_plural = _("決定通知の雛形")

    def __str__(self) -> str:
        return self.title


class Notice(TenantOwned):
    """A decision notice as sent: its rendered text (the PDF is made from it on demand)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=10, choices=NoticeTemplate.Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    emailed_to = models.EmailField(blank=True)

    class Meta:
        verbose_name = _("決定通知")
        verbose_name_plural = _("決定通知")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Webhook(TenantOwned):
    """Where decided cases are POSTed (HMAC-SHA256 signed) for a core system."""

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("URL"))
    secret = models.CharField(_("署名鍵"), max_length=200)
    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.CASCADE, null=True,
                                  blank=True, related_name="+", help_text=_("空欄なら全手続"))
    active = models.BooleanField(_("有効"), default=True)

    class Meta:
        verbose_name = _("連携先 (Webhook)")
        verbose_name_plural = _("連携先 (Webhook)")

    def __str__(self) -> str:
        return self.name
