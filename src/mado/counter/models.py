"""A counter session (窓口セッション): one visit of one resident to the one-stop counter.

Why a row of its own: the visit spans several screens (identify → household →
life event → procedures → forms → confirm) and several requests, and the KPI
needs the time from identification to confirmation. The session keeps only
what the city did *not* already know (the answers, the fields staff typed, the
fields a resident typed at home for a pre-visit code); everything else is
recomputed from the registry, the catalogue and the published forms on every
screen, so nothing is copied that could go stale (DESIGN §1: the counter never
keeps its own copy of procedures or forms).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mado.core.tenancy import TenantOwned


class IdentifiedBy(models.TextChoices):
    SEARCH = "search", _("住民検索")
    CARD = "card", _("マイナンバーカード")
    PREVISIT = "previsit", _("来庁前申請QR")
    API = "api", _("API")


class SessionStatus(models.TextChoices):
    OPEN = "open", _("対応中")
    CONFIRMED = "confirmed", _("受付済")


class CounterSession(TenantOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resident = models.ForeignKey(
        "registry.ResidentRecord", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("来庁者"),
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("担当職員"),
    )
    life_event = models.CharField(_("ライフイベント"), max_length=30, blank=True)
    identified_by = models.CharField(
        _("本人確認の方法"), max_length=20, choices=IdentifiedBy.choices
    )
    identity_level = models.CharField(_("本人確認のレベル"), max_length=10, default="none")
    identity_subject = models.CharField(_("証明書シリアル"), max_length=200, blank=True)
    identified_at = models.DateTimeField(_("本人確認の日時"))
    # Navigator facts answered at the counter (registry facts are recomputed).
    facts = models.JSONField(_("質問への回答"), default=dict, blank=True)
    # Answers that fill form fields of the same key (new address, move date ...).
    answers = models.JSONField(_("異動の内容"), default=dict, blank=True)
    answers_typed_by_staff = models.JSONField(default=list, blank=True)
    # Field values the resident typed at home (pre-visit code), by field key.
    previsit = models.JSONField(_("来庁前の入力"), default=dict, blank=True)
    # {form code: {field key: value}} typed by staff at the counter.
    typed = models.JSONField(_("職員入力"), default=dict, blank=True)
    procedures = models.JSONField(_("受け付ける手続"), default=list, blank=True)
    procedures_chosen = models.BooleanField(default=False)
    attested = models.BooleanField(_("署名に代えた本人確認"), default=False)
    status = models.CharField(
        _("状態"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    confirmed_at = models.DateTimeField(_("受付日時"), null=True, blank=True)
    submissions = models.ManyToManyField(
        "submissions.Submission", related_name="+", blank=True, verbose_name=_("申請")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("窓口セッション")
        verbose_name_plural = _("窓口セッション")
        indexes = [models.Index(fields=["municipality", "-created_at"], name="counter_recent_idx")]

    def __str__(self) -> str:
        return f"{self.resident} {self.life_event} {self.created_at:%Y-%m-%d}"
