"""``GET /api/v1/procedures`` (public): the catalogue, filtered (CONTRACT.md).

The list is the most requested public document (the portal, kiosks and the
national portal link to it) and ~140 procedures take django-ninja ~40 ms to
validate and serialise. The JSON bytes are therefore kept per municipality,
catalogue version (newest ``updated_at`` and count, as the catalogue cache)
and filter, so an edited procedure shows at once and a repeat costs one
aggregate query. The body is exactly what the declared schema produced.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from mado.api.auth import PublicOrStaff
from mado.procedures import services
from mado.procedures.catalogue import CatalogueEntry, get_catalogue
from mado.procedures.facts import LIFE_EVENTS

router = Router(tags=["procedures"], auth=PublicOrStaff())


class ProcedureOut(Schema):
    code: str
    name: str
    name_kana: str
    name_en: str
    department: str
    department_code: str
    channels: list[str]
    fee: int
    fee_unit: str
    fee_note: str
    documents: list[str]
    proxy_documents: list[str]
    who_may_apply: str
    life_events: list[str]
    legal_basis: str
    description: str
    processing_time: str
    deadline: str
    online: bool


class ErrorOut(Schema):
    detail: str
    errors: list[dict]


class ProcedureFilter(Schema):
    life_event: str | None = None
    department: str | None = None
    online: bool | None = None


def procedure_out(e: CatalogueEntry) -> dict:
    d = e.data
    return {
        "code": e.code, "name": e.name, "name_kana": e.name_kana, "name_en": e.name_en,
        "department": e.department.name, "department_code": e.department.code,
        "channels": d["channels"], "fee": d["fee"], "fee_unit": d["fee_unit"],
        "fee_note": d["fee_note"], "documents": d["documents"],
        "proxy_documents": d["proxy_documents"], "who_may_apply": d["who_may_apply"],
        "life_events": d["life_events"], "legal_basis": d["legal_basis"],
        "description": d["description"], "processing_time": d["processing_time"],
        "deadline": d["deadline"], "online": services.is_online(e),
    }  # fmt: skip


@router.get(
    "",
    response={200: list[ProcedureOut], 400: ErrorOut, 401: ErrorOut, 422: ErrorOut},
    summary="手続の一覧 / list procedures",
)
def list_procedures(request: HttpRequest, filters: Query[ProcedureFilter]) -> HttpResponse:
    if filters.life_event is not None and filters.life_event not in LIFE_EVENTS:
        raise HttpError(
            400,
            f"life_event: ライフイベント「{filters.life_event[:40]}」はありません / "
            f"unknown life event; one of {', '.join(LIFE_EVENTS)}",
        )
    municipality = request.municipality  # type: ignore[attr-defined]
    key = (municipality.pk, get_catalogue(municipality).version, filters.life_event,
           filters.department, filters.online)
    body = _list_cache.get(key)
    if body is None:
        entries = services.list_procedures(
            municipality,
            life_event=filters.life_event,
            department=filters.department,
            online=filters.online,
        )
        rows = [ProcedureOut(**procedure_out(e)).dict() for e in entries]
        body = json.dumps(rows, ensure_ascii=False).encode()
        if len(_list_cache) > 1000:  # filters come from query strings anyone can vary
            _list_cache.clear()
        _list_cache[key] = body
    return HttpResponse(body, content_type="application/json; charset=utf-8")


_list_cache: dict[tuple, bytes] = {}


@router.get(
    "/{code}",
    response={200: ProcedureOut, 401: ErrorOut, 404: ErrorOut},
    summary="手続の詳細 / one procedure",
)
def get_procedure(request: HttpRequest, code: str) -> dict:
    entry = services.get_procedure(request.municipality, code[:80])  # type: ignore[attr-defined]
    if entry is None:
        raise HttpError(404, "手続が見つかりません / procedure not found")
    return procedure_out(entry)
