"""Registry endpoints: ``GET /api/v1/residents`` and ``GET /api/v1/residents/{id}``.

Both are audited reads scoped to the token's municipality: a resident of
another municipality is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from mado.core.text import format_wareki
from mado.registry import my_number as mn
from mado.registry import services

router = Router(tags=["registry"])


class HouseholdMemberOut(Schema):
    id: int
    name: str
    name_kana: str
    birth_date: dt.date
    sex: str
    relationship: str


class ResidentOut(Schema):
    id: int
    atena_number: str
    name: str
    name_kana: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    former_surname: str
    birth_date: dt.date
    birth_date_wareki: str
    age: int
    sex: str
    postal_code: str
    address: str
    address_extra: str
    household_id: int
    household_number: str
    relationship: str
    nationality_type: str
    status: str
    my_number: str


class ResidentDetailOut(ResidentOut):
    address_since: dt.date
    resident_since: dt.date
    previous_address: str
    honseki: str
    nationality: str
    residence_status: str
    residence_expiry: dt.date | None
    national_health_insurance: bool
    late_elderly_insurance: bool
    long_term_care_insurance: bool
    national_pension_type1: bool
    child_allowance: bool
    household_members: list[HouseholdMemberOut]


class ResidentList(Schema):
    count: int
    results: list[ResidentOut]


class ErrorOut(Schema):
    detail: str
    errors: list[dict]


class SearchParams(Schema):
    q: str = ""
    birth_date: str | None = None
    limit: int = 50


def _base(r: services.ResidentRecord, today: dt.date) -> dict:
    return {
        "id": r.pk,
        "atena_number": r.atena_number,
        "name": r.full_name,
        "name_kana": r.full_name_kana,
        "family_name": r.family_name,
        "given_name": r.given_name,
        "family_name_kana": r.family_name_kana,
        "given_name_kana": r.given_name_kana,
        "former_surname": r.former_surname,
        "birth_date": r.birth_date,
        "birth_date_wareki": format_wareki(r.birth_date),
        "age": services.age_on(r.birth_date, today),
        "sex": r.sex,
        "postal_code": r.postal_code,
        "address": r.address,
        "address_extra": r.address_extra,
        "household_id": r.household_id,
        "household_number": r.household.household_number,
        "relationship": r.relationship,
        "nationality_type": r.nationality_type,
        "status": r.status,
        "my_number": mn.mask(r.has_my_number),
    }


@router.get(
    "",
    response={200: ResidentList, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut},
    summary="住民検索 / search residents",
)
def list_residents(request: HttpRequest, params: Query[SearchParams]) -> dict:
    if len(params.q) > 100:
        raise HttpError(400, "検索語が長すぎます(100文字まで) / query too long (max 100)")
    if "\x00" in params.q or (params.birth_date and "\x00" in params.birth_date):
        raise HttpError(400, "検索語に使えない文字があります / invalid character in query")
    if not 1 <= params.limit <= 200:
        raise HttpError(400, "limit は1〜200です / limit must be 1-200")
    try:
        results = services.search_residents(
            request.municipality,
            params.q,
            params.birth_date,
            user=request.user,  # type: ignore[attr-defined]
            reason=request.headers.get("X-Mado-Reason", "API 住民検索 / API registry search")[:300],
            limit=params.limit,
        )
    except services.QueryError as exc:
        raise HttpError(400, str(exc)) from exc
    today = dt.date.today()
    return {"count": len(results), "results": [_base(r, today) for r in results]}


@router.get(
    "/{resident_id}",
    response={200: ResidentDetailOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="住民の詳細(世帯員を含む) / one resident with household",
)
def get_resident(request: HttpRequest, resident_id: int) -> dict:
    if not 0 < resident_id < 2**63:
        raise HttpError(404, "住民が見つかりません / resident not found")
    r = services.get_resident(
        request.municipality,
        resident_id,
        user=request.user,  # type: ignore[attr-defined]
        reason=request.headers.get("X-Mado-Reason", "API 住民記録の閲覧 / API registry read")[:300],
    )
    if r is None:
        raise HttpError(404, "住民が見つかりません / resident not found")
    today = dt.date.today()
    data = _base(r, today)
    data.update(
        address_since=r.address_since,
        resident_since=r.resident_since,
        previous_address=r.previous_address,
        honseki=r.honseki,
        nationality=r.nationality,
        residence_status=r.residence_status,
        residence_expiry=r.residence_expiry,
        national_health_insurance=r.national_health_insurance,
        late_elderly_insurance=r.late_elderly_insurance,
        long_term_care_insurance=r.long_term_care_insurance,
        national_pension_type1=r.national_pension_type1,
        child_allowance=r.child_allowance,
        household_members=[
            {
                "id": m.pk,
                "name": m.full_name,
                "name_kana": m.full_name_kana,
                "birth_date": m.birth_date,
                "sex": m.sex,
                "relationship": m.relationship,
            }
            for m in services.household_members(r)
        ],
    )
    return data
