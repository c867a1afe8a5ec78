"""The procedure catalogue (手続): one row per procedure a municipality handles.

A procedure is data a city's staff edit without code: its department, legal
basis, channels, fee, documents to bring, who may apply, and applicability
rules in the safe expression language of ``mado.procedures.rules``. Lists are
JSON so the catalogue can be exchanged as CSV/JSON (docs/procedures.md); the
rules are validated on save.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from mado.core.tenancy import TenantOwned


class Channel(models.TextChoices):
    ONLINE = "online", _("オンライン")
    COUNTER = "counter", _("窓口")
    MAIL = "mail", _("郵送")
    KONBINI = "konbini", _("コンビニ交付")
    NATIONAL_PORTAL = "national_portal", _("マイナポータル（ぴったりサービス）")


class FeeUnit(models.TextChoices):
    NONE = "none", _("無料")
    FIXED = "fixed", _("1件につき")
    PER_COPY = "per_copy", _("1通につき")


class Procedure(TenantOwned):
    code = models.SlugField(_("手続コード"), max_length=80)
    name = models.CharField(_("手続名"), max_length=200)
    name_kana = models.CharField(_("手続名（よみ）"), max_length=300, blank=True)
    name_en = models.CharField(_("手続名（英語）"), max_length=300, blank=True)
    department = models.ForeignKey(
        "core.Department",
        on_delete=models.PROTECT,
        related_name="procedures",
        verbose_name=_("担当課"),
    )
    legal_basis = models.CharField(_("根拠法令"), max_length=300, blank=True)
    description = models.TextField(_("説明"), blank=True)
    description_en = models.TextField(_("説明（英語）"), blank=True)
    channels = models.JSONField(_("受付方法"), default=list, blank=True)
    fee = models.PositiveIntegerField(_("手数料（円）"), default=0)
    fee_unit = models.CharField(
        _("手数料の単位"), max_length=10, choices=FeeUnit.choices, default=FeeUnit.NONE
    )
    fee_note = models.CharField(_("手数料の補足"), max_length=300, blank=True)
    documents = models.JSONField(_("必要なもの"), default=list, blank=True)
    who_may_apply = models.CharField(_("申請できる方"), max_length=300, blank=True)
    proxy_documents = models.JSONField(_("代理人が必要なもの"), default=list, blank=True)
    processing_time = models.CharField(_("処理期間"), max_length=200, blank=True)
    deadline = models.CharField(_("期限"), max_length=200, blank=True)
    life_events = models.JSONField(_("ライフイベント"), default=list, blank=True)
    rules = models.JSONField(
        _("対象となる条件"),
        default=list,
        blank=True,
        help_text=_(
            '[{"when": "any_between(children_ages, 0, 17)", "reason": "…", "reason_en": "…"}]'
        ),
    )
    default_reason = models.CharField(_("既定の理由"), max_length=200, blank=True)
    default_reason_en = models.CharField(_("既定の理由（英語）"), max_length=200, blank=True)
    plan_order = models.PositiveIntegerField(_("案内の順番"), default=100)
    annual_volume = models.PositiveIntegerField(_("年間件数"), default=0)
    my_number_card_online = models.BooleanField(
        _("マイナンバーカードでオンライン化（27手続）"), default=False
    )
    priority_online = models.BooleanField(_("優先的にオンライン化する手続"), default=False)
    external_url = models.URLField(_("外部の申請ページ"), blank=True)
    is_active = models.BooleanField(_("有効"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("手続")
        verbose_name_plural = _("手続")
        ordering = ["municipality", "plan_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="procedure_code_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from mado.procedures.validation import validate_procedure_fields

        errors = validate_procedure_fields(self.as_data())
        if (
            self.department_id
            and self.municipality_id
            and (self.department.municipality_id != self.municipality_id)
        ):
            errors.setdefault("department", []).append(
                "他の団体の課は選べません / department of another municipality"
            )
        if errors:
            raise ValidationError(errors)

    def as_data(self) -> dict[str, Any]:
        """The procedure as catalogue data (the JSON exchange format)."""
        return {
            "code": self.code,
            "name": self.name,
            "name_kana": self.name_kana,
            "name_en": self.name_en,
            "department": self.department.code if self.department_id else "",
            "legal_basis": self.legal_basis,
            "description": self.description,
            "description_en": self.description_en,
            "channels": list(self.channels or []),
            "fee": self.fee,
            "fee_unit": self.fee_unit,
            "fee_note": self.fee_note,
            "documents": list(self.documents or []),
            "who_may_apply": self.who_may_apply,
            "proxy_documents": list(self.proxy_documents or []),
            "processing_time": self.processing_time,
            "deadline": self.deadline,
            "life_events": list(self.life_events or []),
            "rules": list(self.rules or []),
            "default_reason": self.default_reason,
            "default_reason_en": self.default_reason_en,
            "plan_order": self.plan_order,
            "annual_volume": self.annual_volume,
            "my_number_card_online": self.my_number_card_online,
            "priority_online": self.priority_online,
            "external_url": self.external_url,
            "is_active": self.is_active,
        }
