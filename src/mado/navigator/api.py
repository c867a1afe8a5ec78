"""Navigator endpoints (public): questions for a life event, and the personal plan."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from mado.api.auth import PublicOrStaff
from mado.navigator import services
from mado.procedures.facts import FactError

router = Router(tags=["navigator"], auth=PublicOrStaff())


class ErrorOut(Schema):
    detail: str
    errors: list[dict]


class ChoiceOut(Schema):
    value: str
    label: str


class QuestionOut(Schema):
    key: str
    label: str
    type: str
    choices: list[ChoiceOut]
    help: str
    minimum: int
    maximum: int


class QuestionsQuery(Schema):
    life_event: str


class PlanProcedureOut(Schema):
    code: str
    name: str
    department: str
    department_code: str
    location: str
    channels: list[str]
    apply_url: str | None
    documents: list[str]
    reason: str
    fee: int
    fee_unit: str
    fee_note: str
    deadline: str


class MaybeOut(Schema):
    code: str
    name: str
    department: str


class PlanOut(Schema):
    life_event: str
    procedures: list[PlanProcedureOut]
    may_apply: list[MaybeOut]
    questions: list[QuestionOut]
    ignored_facts: list[str]
    guide_sheet_url: str


def question_out(fact: Any) -> dict:
    return {
        "key": fact.key, "label": str(fact.label), "type": fact.type,
        "choices": [{"value": v, "label": str(lbl)} for v, lbl in fact.choices],
        "help": str(fact.help), "minimum": fact.minimum, "maximum": fact.maximum,
    }  # fmt: skip


def _bad(field: str, message: str, status: int = 422) -> HttpError:
    err = HttpError(status, message)
    err.errors = [{"loc": field.split("."), "msg": message, "type": "value_error"}]  # type: ignore[attr-defined]
    return err


@router.get(
    "/questions",
    response={200: list[QuestionOut], 400: ErrorOut, 401: ErrorOut, 422: ErrorOut},
    summary="ライフイベントの質問 / the facts the navigator may ask",
)
def get_questions(request: HttpRequest, params: Query[QuestionsQuery]) -> list[dict]:
    try:
        facts = services.all_questions(request.municipality, params.life_event)  # type: ignore[attr-defined]
    except services.LifeEventError as exc:
        raise _bad("life_event", str(exc), 400) from exc
    return [question_out(f) for f in facts]


@router.post(
    "/plan",
    response={200: PlanOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut},
    summary="手続の案内（ライフイベントと回答から） / the personal procedure plan",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["life_event"],
                        "properties": {
                            "life_event": {"type": "string"},
                            "facts": {"type": "object"},
                        },
                    }
                }
            },
        }
    },
)
def post_plan(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad("body", "JSON として読めません / the body is not valid JSON", 400) from exc
    if not isinstance(body, dict):
        raise _bad(
            "body", '本文は {"life_event": …, "facts": {…}} の形です / body must be an object', 400
        )
    try:
        result = services.plan(
            request.municipality,
            body.get("life_event"),  # type: ignore[attr-defined]
            body.get("facts", {}),
        )
    except services.LifeEventError as exc:
        raise _bad("life_event", str(exc), 400) from exc
    except FactError as exc:
        raise _bad(exc.field, exc.message, 422) from exc
    return {
        "life_event": result.life_event,
        "procedures": [
            {
                "code": i.code, "name": i.entry.name, "department": i.entry.department.name,
                "department_code": i.entry.department.code, "location": i.entry.department.location,
                "channels": i.entry.data["channels"], "apply_url": i.apply_url,
                "documents": i.entry.data["documents"], "reason": i.localized_reason(),
                "fee": i.entry.data["fee"], "fee_unit": i.entry.data["fee_unit"],
                "fee_note": i.entry.data["fee_note"], "deadline": i.entry.data["deadline"],
            }
            for i in result.items
        ],
        "may_apply": [{"code": i.code, "name": i.entry.name, "department": i.entry.department.name}
                      for i in result.maybe],
        "questions": [question_out(f) for f in result.pending_facts],
        "ignored_facts": result.ignored_facts,
        "guide_sheet_url": services.guide_sheet_url(result.life_event, result.facts),
    }  # fmt: skip
