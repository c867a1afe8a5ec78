"""``POST /api/v1/forms/{procedure_code}/submissions``: JSON submissions for sign-in-free forms.

Why an API beside the web flow: channel integrations (a kiosk at the city
hall, LINE later) send answers they collected themselves, and the throughput
benchmark needs a submission path without HTML. The endpoint deliberately has
no pipeline of its own: it finds the published form exactly as ``/apply/``
does (:func:`mado.apply.engine.find_form`), validates with
:func:`mado.eforms.logic.validate_submission` and stores through
:func:`mado.submissions.services.create_submitted` (no draft: the answers arrive
complete), so receipt numbers, StatusChange, ServiceEvents and the audit entry are the
same as for a resident on the web (channel ``web``).

Only forms whose identity level is ``none`` are accepted: nothing here proves
who the applicant is, so a form that asks for an e-mail check or the My Number
card answers 403 and points to the web flow. The municipality is the host's
(or a staff token's), as for the navigator API (:class:`mado.api.auth.PublicOrStaff`).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from ninja import Router, Schema
from ninja.errors import HttpError

from mado.api.auth import PublicOrStaff
from mado.apply import engine
from mado.eforms import logic
from mado.eforms.parsers import is_empty
from mado.submissions import services

router = Router(tags=["submissions"], auth=PublicOrStaff())

MAX_BODY = 256 * 1024  # a form's answers without files are a few KB; refuse megabytes early


class ErrorOut(Schema):
    detail: str
    errors: list[dict]


class SubmissionOut(Schema):
    receipt_number: str
    status: str
    submitted_at: str


def _error(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> HttpError:
    err = HttpError(status, detail)
    err.errors = errors or []  # type: ignore[attr-defined]
    return err


def _invalid(path: str, message: str) -> dict[str, Any]:
    loc = ["values", path] if path else ["values"]
    return {"loc": loc, "msg": message, "type": "value_error"}


def _read_values(request: HttpRequest) -> dict[str, Any]:
    too_large = _error(413, "送信内容が大きすぎます / the request body is too large")
    try:
        raw = request.body or b""
    except RequestDataTooBig as exc:  # over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses to read it
        raise too_large from exc
    if len(raw) > MAX_BODY:
        raise too_large
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise _error(
            400,
            "JSON として読めません / the body is not valid JSON",
            [{"loc": ["body"], "msg": "invalid JSON", "type": "json_invalid"}],
        ) from exc
    if not isinstance(body, dict) or not isinstance(body.get("values"), dict):
        raise _error(
            422,
            '本文は {"values": {…}} の形で送ってください / body must be {"values": {...}}',
            [_invalid("", "values はオブジェクトです / values must be an object")],
        )
    return body["values"]


@router.post(
    "/{procedure_code}/submissions",
    response={
        201: SubmissionOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
    },
    summary="申請の提出（本人確認不要の様式） / submit an application (forms without sign-in)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["values"],
                        "properties": {"values": {"type": "object"}},
                    }
                }
            },
        }
    },
)
def post_submission(request: HttpRequest, procedure_code: str) -> JsonResponse:
    municipality = request.municipality  # type: ignore[attr-defined]
    form = engine.find_form(municipality, procedure_code[:100])
    if form is None:
        raise _error(
            404,
            f"手続「{procedure_code[:100]}」の公開中の様式はありません / "
            f"no published form for procedure {procedure_code[:100]!r}",
        )
    if form.identity_level != "none":
        raise _error(
            403,
            "この申請には本人確認が必要です。ウェブの申請画面でサインインして申請してください / "
            "this form requires identity verification; please sign in and apply on the web "
            f"(/apply/{form.procedure.code}/)",
        )
    values = _read_values(request)
    result = logic.validate_submission(logic.compile_version(form.version), values)
    if not result.ok:
        raise _error(
            422,
            "入力内容に誤りがあります / invalid input",
            [_invalid(path, " ".join(msgs)) for path, msgs in result.errors.items()],
        )
    state = result.state
    clean = {k: v for k, v in result.values.items() if state is None or k in state.visible}
    computed = set(state.computed) if state else set()
    typed = sum(1 for k, v in clean.items() if k not in computed and not is_empty(v))
    refs = engine._file_refs(clean)  # the same attachment-reference scan as the web flow
    try:
        # Arrives complete: no draft round trip (same records as the web flow's submit).
        sub = services.create_submitted(
            municipality,
            form.procedure,
            form.version,
            clean,
            channel="web",
            identity=None,
            fee_yen=int(getattr(form.procedure, "fee", 0) or 0),
            fields_typed=typed,
            attachment_refs=refs,
            # Without attachments the follow-up records are written in batches
            # (submissions.completion): the endpoint's throughput goal.
            deferred=not refs,
        )
    except services.AttachmentError as exc:
        raise _error(422, str(exc), [_invalid("", str(exc))]) from exc
    # The body of SubmissionOut, answered directly: three strings need no
    # schema validation on the way out, and this is the hottest endpoint.
    return JsonResponse(
        {
            "receipt_number": sub.receipt_number,
            "status": sub.status,
            "submitted_at": sub.submitted_at.isoformat() if sub.submitted_at else "",
        },
        status=201,
        json_dumps_params={"ensure_ascii": False},
    )
