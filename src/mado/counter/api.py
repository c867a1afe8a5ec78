"""JSON API of ``counter`` (mounted by mado.api.router at /api/v1/counter).

``POST /sessions`` opens a counter visit for a resident of the token's
municipality and answers with the proposed procedures and the prefilled
forms (each value with its source); ``GET /sessions/{id}/forms.pdf`` is the
signature bundle. A resident or session of another municipality is a 404,
exactly like one that does not exist (CONTRACT.md).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from mado.counter import services
from mado.navigator.services import FactError, LifeEventError
from mado.registry import services as registry

router = Router(tags=["counter"])


class SessionIn(Schema):
    resident_id: int
    life_event: str
    facts: dict[str, Any] = Field(default_factory=dict)
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="異動の内容 (new_address, new_postal_code, new_address_extra, move_date)",
    )


class ErrorOut(Schema):
    detail: str
    errors: list[dict]


def _error(status: int, detail: str, field: str = "") -> HttpError:
    exc = HttpError(status, detail)
    exc.errors = [{"loc": ["body", *field.split(".")], "msg": detail, "type": "value_error"}] if field else []  # type: ignore[attr-defined]
    return exc


def session_out(session: Any) -> dict[str, Any]:
    proposals = services.proposals(session)
    forms = [p.form for p in proposals if p.checked and p.form is not None]
    return {
        "id": str(session.pk),
        "resident_id": session.resident_id,
        "life_event": session.life_event,
        "status": session.status,
        "procedures": [
            {
                "code": p.code,
                "name": p.item.entry.name,
                "department": p.item.entry.department.code,
                "reason": p.item.reason,
                "selected": p.checked,
                "form": p.form.code if p.form is not None else None,
                "fields_missing": p.missing,
            }
            for p in proposals
        ],
        "forms": [
            {
                "code": f.code,
                "title": f.title,
                "procedure": f.procedure_code,
                "values": f.values,
                "sources": f.sources,
                "errors": f.errors,
            }
            for f in forms
        ],
        "counts": services.counts(forms, session),
        "forms_pdf_url": f"/api/v1/counter/sessions/{session.pk}/forms.pdf",
    }


@router.post(
    "/sessions",
    response={201: dict, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="窓口セッションの開始 / open a counter session",
)
def create_session(request: HttpRequest, body: SessionIn) -> Status:
    if not 0 < body.resident_id < 2**63:
        raise _error(404, "住民が見つかりません / resident not found")
    resident = registry.get_resident(
        request.municipality, body.resident_id, user=request.user,  # type: ignore[attr-defined]
        reason="API 書かない窓口 / API counter session",
    )
    if resident is None:
        raise _error(404, "住民が見つかりません / resident not found")
    try:
        session = services.start_session(
            request.municipality, resident, user=request.user,  # type: ignore[attr-defined]
            identified_by="api", life_event=body.life_event, facts=body.facts,
            answers=body.answers,
        )
    except LifeEventError as exc:
        raise _error(422, str(exc), "life_event") from exc
    except FactError as exc:
        raise _error(422, exc.message, exc.field) from exc
    except services.CounterError as exc:
        raise _error(422, exc.message, f"answers.{exc.field}") from exc
    return Status(201, session_out(session))


@router.get(
    "/sessions/{session_id}",
    response={200: dict, 401: ErrorOut, 404: ErrorOut},
    summary="窓口セッション / one counter session",
)
def get_session(request: HttpRequest, session_id: str) -> dict[str, Any]:
    session = services.get_session(request.municipality, session_id)  # type: ignore[attr-defined]
    if session is None:
        raise _error(404, "受付が見つかりません / no such counter session")
    return session_out(session)


@router.get(
    "/sessions/{session_id}/forms.pdf",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="署名用の様式一式(PDF) / every prefilled form in one PDF",
)
def forms_pdf(request: HttpRequest, session_id: str) -> HttpResponse:
    session = services.get_session(request.municipality, session_id)  # type: ignore[attr-defined]
    if session is None:
        raise _error(404, "受付が見つかりません / no such counter session")
    response = HttpResponse(services.bundle_pdf(session), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="counter-{session.pk}.pdf"'
    return response
