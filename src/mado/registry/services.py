"""Public API of the registry: audited reads, search, 個人番号, indexing.

Every function that returns personal data takes the acting user and a reason
and appends an audit entry, so "who looked at whom, and why" is always known.
Bulk writers (CSV import, demo seeding) use :func:`build_search_tokens` and
:func:`encrypt_my_number` to prepare rows for ``bulk_create``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from mado.core import audit
from mado.core.models import Municipality
from mado.core.services import can_read_my_number
from mado.registry import my_number as mn
from mado.registry import search as _search
from mado.registry.models import Household, ResidentRecord, ResidentSearchToken, TaxSummary

QueryError = _search.QueryError


def import_registry(*args: Any, **kwargs: Any) -> Any:
    """CSV import in the documented layout (docs/registry-csv.md); see csv_io.import_registry."""
    from mado.registry.csv_io import import_registry as _import

    return _import(*args, **kwargs)


def export_registry(*args: Any, **kwargs: Any) -> Any:
    """CSV export in the documented layout; see csv_io.export_registry."""
    from mado.registry.csv_io import export_registry as _export

    return _export(*args, **kwargs)


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Age in full years on ``on``, counting the birthday itself (満年齢 as shown on forms).

    年齢計算ニ関スル法律 completes a year at the end of the day before the
    birthday; rules that depend on it (school entry, 後期高齢 from the birthday)
    apply their own offsets on top of this figure.
    """
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def build_search_tokens(resident: ResidentRecord) -> list[ResidentSearchToken]:
    names = _search.tokens_for(
        resident.family_name,
        resident.given_name,
        resident.family_name_kana,
        resident.given_name_kana,
    )
    aliases = _search.alias_tokens_for(
        names, resident.former_surname, resident.former_surname_kana, resident.alias_name
    )
    sort_key = _search.sort_key_for(resident.family_name_kana, resident.given_name_kana)
    active = resident.status == "active"
    return [
        ResidentSearchToken(
            municipality_id=resident.municipality_id,
            resident=resident,
            token=t,
            sort_key=sort_key,
            active=active,
            birth_date=resident.birth_date,
            is_alias=is_alias,
        )
        for tokens, is_alias in ((names, False), (aliases, True))
        for t in tokens
    ]


def reindex(resident: ResidentRecord) -> None:
    """Rebuild one resident's search tokens (after a change of name, status or birth date)."""
    with transaction.atomic():
        ResidentSearchToken.objects.filter(resident=resident).delete()
        ResidentSearchToken.objects.bulk_create(build_search_tokens(resident))


def encrypt_my_number(number: str) -> tuple[str, str]:
    """(ciphertext, lookup hash) for a validated 個人番号; raises MyNumberError."""
    clean = mn.normalize(number)
    return mn.encrypt(clean), mn.lookup_hash(clean)


def set_my_number(resident: ResidentRecord, number: str, *, user: Any, reason: str) -> None:
    resident.my_number_encrypted, resident.my_number_hash = encrypt_my_number(number)
    resident.save(update_fields=["my_number_encrypted", "my_number_hash", "updated_at"])
    audit.record(
        audit.Action.UPDATE,
        user=user,
        municipality=resident.municipality,
        target_type="resident.my_number",
        target_id=resident.pk,
        reason=reason,
    )


def reveal_my_number(resident: ResidentRecord, *, user: Any, reason: str) -> str:
    """The clear 個人番号, for 事務取扱担当者 only; every call is audited."""
    if not reason.strip():
        raise PermissionDenied("個人番号の閲覧には理由が必要です / a reason is required")
    if not can_read_my_number(user):
        audit.record(
            audit.Action.READ_MY_NUMBER,
            user=user,
            municipality=resident.municipality,
            target_type="resident",
            target_id=resident.pk,
            reason=reason,
            detail={"granted": False},
        )
        raise PermissionDenied("個人番号を閲覧する権限がありません / not allowed to read My Number")
    if not resident.my_number_encrypted:
        return ""
    value = mn.decrypt(resident.my_number_encrypted)
    audit.record(
        audit.Action.READ_MY_NUMBER,
        user=user,
        municipality=resident.municipality,
        target_type="resident",
        target_id=resident.pk,
        reason=reason,
        detail={"granted": True},
    )
    return value


def find_by_my_number(municipality: Municipality, number: str) -> ResidentRecord | None:
    """Resident with this 個人番号 (used by card identification); no decryption."""
    clean = mn.normalize(number)
    return ResidentRecord.unscoped.filter(
        municipality=municipality, my_number_hash=mn.lookup_hash(clean)
    ).first()


def search_residents(
    municipality: Municipality,
    q: str = "",
    birth_date: str | None = None,
    *,
    user: Any,
    reason: str = "住民検索 / registry search",
    include_inactive: bool = False,
    limit: int = 50,
) -> list[ResidentRecord]:
    """Audited registry search; raises QueryError for an unreadable date."""
    results = list(
        _search.search(municipality, q, birth_date, include_inactive=include_inactive, limit=limit)
    )
    audit.record(
        audit.Action.SEARCH,
        user=user,
        municipality=municipality,
        target_type="resident",
        reason=reason,
        detail={"q": q[:100], "birth_date": birth_date or "", "results": [r.pk for r in results]},
    )
    return results


def get_resident(
    municipality: Municipality,
    resident_id: int,
    *,
    user: Any,
    reason: str = "住民記録の閲覧 / registry read",
) -> ResidentRecord | None:
    """One resident of ``municipality`` (None if it belongs to another); audited."""
    resident = (
        ResidentRecord.unscoped.select_related("household")
        .filter(municipality=municipality, pk=resident_id)
        .first()
    )
    if resident is not None:
        audit.record(
            audit.Action.READ,
            user=user,
            municipality=municipality,
            target_type="resident",
            target_id=resident.pk,
            reason=reason,
        )
    return resident


def household_members(resident: ResidentRecord) -> list[ResidentRecord]:
    """Members of the resident's household, head first, then by birth date."""
    members = list(
        ResidentRecord.unscoped.filter(
            municipality_id=resident.municipality_id,
            household_id=resident.household_id,
            status="active",
        ).order_by("birth_date", "pk")
    )
    members.sort(key=lambda r: (r.relationship != "世帯主",))
    return members


def counts(municipality: Municipality) -> dict[str, int]:
    """Active residents and households of the municipality (aggregates only: not audited)."""
    residents = ResidentRecord.unscoped.filter(municipality=municipality, status="active")
    households = (
        Household.unscoped.filter(municipality=municipality, members__status="active")
        .distinct()
        .count()
    )
    return {"residents": residents.count(), "households": households}


def latest_tax_summary(resident: ResidentRecord) -> TaxSummary | None:
    return TaxSummary.unscoped.filter(resident=resident).order_by("-fiscal_year").first()


__all__ = [
    "Household",
    "QueryError",
    "ResidentRecord",
    "age_on",
    "build_search_tokens",
    "counts",
    "encrypt_my_number",
    "export_registry",
    "find_by_my_number",
    "get_resident",
    "household_members",
    "import_registry",
    "latest_tax_summary",
    "reindex",
    "reveal_my_number",
    "search_residents",
    "set_my_number",
]
