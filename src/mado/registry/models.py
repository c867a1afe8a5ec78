"""Resident registry (住民記録): households, residents, yearly tax summaries.

Fields follow 住民基本台帳法 第7条 and the IMI core vocabulary names of
GLOSSARY.md. Names are stored exactly as given (髙, 﨑, 𠮷 ...); search uses
separate folded tokens (:class:`ResidentSearchToken`), never the stored name.
個人番号 is kept only encrypted (Fernet) with a keyed hash for lookups.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from mado.core.tenancy import TenantOwned


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Nationality(models.TextChoices):
    JAPANESE = "japanese", _("日本人")
    FOREIGN = "foreign", _("外国人住民")


class ResidentStatus(models.TextChoices):
    ACTIVE = "active", _("住民")
    MOVED_OUT = "moved_out", _("転出")
    DECEASED = "deceased", _("死亡")


class Household(TenantOwned):
    """世帯. The head (世帯主) is the member whose relationship is 世帯主."""

    household_number = models.CharField(_("世帯番号"), max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("世帯")
        verbose_name_plural = _("世帯")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "household_number"], name="household_number_unique"
            )
        ]

    def __str__(self) -> str:
        return self.household_number


class ResidentRecord(TenantOwned):
    """住民票の記載事項 for one person."""

    atena_number = models.CharField(_("宛名番号"), max_length=20)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("世帯")
    )
    relationship = models.CharField(_("続柄"), max_length=30)
    family_name = models.CharField(_("氏"), max_length=100)
    given_name = models.CharField(_("名"), max_length=100, blank=True)
    family_name_kana = models.CharField(_("氏(フリガナ)"), max_length=200)
    given_name_kana = models.CharField(_("名(フリガナ)"), max_length=200, blank=True)
    former_surname = models.CharField(_("旧氏"), max_length=100, blank=True)
    former_surname_kana = models.CharField(_("旧氏(フリガナ)"), max_length=200, blank=True)
    alias_name = models.CharField(_("通称"), max_length=200, blank=True)
    birth_date = models.DateField(_("生年月日"))
    sex = models.CharField(_("性別"), max_length=1, choices=Sex.choices)

    postal_code = models.CharField(_("郵便番号"), max_length=7)
    address = models.CharField(_("住所"), max_length=300)
    address_extra = models.CharField(_("方書"), max_length=200, blank=True)
    address_since = models.DateField(_("住所を定めた日"))
    resident_since = models.DateField(_("住民となった日"))
    previous_address = models.CharField(_("前住所"), max_length=300, blank=True)

    nationality_type = models.CharField(
        _("国籍区分"), max_length=10, choices=Nationality.choices, default=Nationality.JAPANESE
    )
    honseki = models.CharField(_("本籍"), max_length=300, blank=True)
    hittousha = models.CharField(_("筆頭者"), max_length=100, blank=True)
    nationality = models.CharField(_("国籍・地域"), max_length=100, blank=True)
    residence_status = models.CharField(_("在留資格"), max_length=100, blank=True)
    residence_expiry = models.DateField(_("在留期間の満了の日"), null=True, blank=True)

    status = models.CharField(
        _("状態"), max_length=10, choices=ResidentStatus.choices, default=ResidentStatus.ACTIVE
    )
    status_date = models.DateField(_("異動日"), null=True, blank=True)

    national_health_insurance = models.BooleanField(_("国民健康保険"), default=False)
    late_elderly_insurance = models.BooleanField(_("後期高齢者医療"), default=False)
    long_term_care_insurance = models.BooleanField(_("介護保険"), default=False)
    national_pension_type1 = models.BooleanField(_("国民年金第1号"), default=False)
    child_allowance = models.BooleanField(_("児童手当"), default=False)

    my_number_encrypted = models.TextField(_("個人番号(暗号化)"), blank=True, editable=False)
    my_number_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("住民")
        verbose_name_plural = _("住民")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "atena_number"], name="atena_unique")
        ]
        indexes = [
            models.Index(fields=["municipality", "birth_date"], name="resident_birth_idx"),
            models.Index(fields=["household"], name="resident_household_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name}　{self.given_name}".strip("　")

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana}　{self.given_name_kana}".strip("　")

    @property
    def has_my_number(self) -> bool:
        return bool(self.my_number_encrypted)


class ResidentSearchToken(models.Model):
    """Folded search keys of one resident (kanji with 異体字 folded, phonetic kana).

    A btree prefix scan over (municipality, token) answers a name query in a
    few milliseconds at 100,000 residents, whatever script the clerk typed.
    """

    municipality_id = models.BigIntegerField()
    resident = models.ForeignKey(
        ResidentRecord, on_delete=models.CASCADE, related_name="search_tokens"
    )
    token = models.CharField(max_length=120)
    # Copies of the resident's sort order, status and birth date, so a search is
    # answered from this table alone and only the 50 shown residents are fetched.
    sort_key = models.CharField(max_length=200, default="")
    active = models.BooleanField(default=True)
    birth_date = models.DateField(null=True)
    # 旧氏 and 通称 tokens: matched, but listed after residents found by their name.
    is_alias = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["municipality_id", "token"],
                name="search_token_prefix_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
                include=["resident_id", "sort_key", "active", "birth_date", "is_alias"],
            ),
        ]

    def __str__(self) -> str:
        return self.token


class TaxSummary(TenantOwned):
    """年度ごとの課税情報の要約: used by automatic review (0申告, 滞納確認)."""

    resident = models.ForeignKey(
        ResidentRecord, on_delete=models.CASCADE, related_name="tax_summaries"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    income = models.BigIntegerField(_("所得額"), default=0)
    taxable = models.BooleanField(_("課税"), default=False)
    has_arrears = models.BooleanField(_("滞納あり"), default=False)
    declared = models.BooleanField(
        _("申告あり"), default=True, help_text=_("所得の申告(0申告を含む)が済んでいるか")
    )

    class Meta:
        verbose_name = _("課税情報")
        verbose_name_plural = _("課税情報")
        constraints = [
            models.UniqueConstraint(fields=["resident", "fiscal_year"], name="tax_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resident} {self.fiscal_year}"
