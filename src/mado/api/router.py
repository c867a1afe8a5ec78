"""The JSON API at /api/v1/ (django-ninja), with its OpenAPI document.

Errors always have the shape ``{"detail": str, "errors": [...]}`` and a 4xx
status (CONTRACT.md); input validation failures never surface as a 5xx.
Each app contributes a router; this module only assembles them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer

from mado.api.auth import StaffToken

logger = logging.getLogger("mado.api")


class ReadableJSONRenderer(JSONRenderer):
    """UTF-8 JSON with Japanese left readable (氏名 rather than \\u6c0f\\u540d)."""

    json_dumps_params = {"ensure_ascii": False}


ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorOut",
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["detail", "errors"],
}

# Every operation can answer with these (the handlers below and the middleware
# produce them for any endpoint); documenting them once here keeps each router's
# ``response=`` about its own successes and keeps the document truthful for
# clients and for the schemathesis run (api/tests/test_fuzz_schemathesis.py).
COMMON_ERRORS: dict[int, str] = {
    400: "入力の誤り / bad request",
    401: "認証が必要 / authentication required",
    403: "権限がない / forbidden",
    404: "見つからない(他団体のものを含む) / not found (also another municipality's)",
    405: "メソッドが違う / method not allowed",
    422: "入力の誤り / invalid input",
    429: "リクエストが多すぎる / too many requests",
}
# ... and these only where the client sends a body.
BODY_ERRORS: dict[int, str] = {
    409: "今の状態ではできない / conflict with the current state",
    413: "本文が大きすぎる / request body too large",
}


class MadoAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document tells the whole truth about errors and auth.

    Two additions to what django-ninja writes: the shared error responses on
    every operation, and an empty security requirement (``{}``, "no token is
    fine too") on operations whose auth class is ``optional`` (the public
    catalogue, navigator and sign-in-free submissions).
    """

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        content = {"application/json": {"schema": ERROR_SCHEMA}}
        optional = _optional_schemes()
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                security = operation.get("security")
                if security and any(set(req) & optional for req in security) and {} not in security:
                    security.append({})
                responses = operation.setdefault("responses", {})
                errors = dict(COMMON_ERRORS)
                if method.lower() in ("post", "put", "patch"):
                    errors.update(BODY_ERRORS)
                for status, text in errors.items():
                    if status not in responses and str(status) not in responses:
                        responses[status] = {"description": text, "content": content}
        return schema


def _optional_schemes(cls: type = HttpBearer) -> set[str]:
    """Names of the security schemes (auth classes) that also accept no token at all."""
    names = set()
    for sub in cls.__subclasses__():
        if getattr(sub, "optional", False):
            names.add(sub.__name__)
        names |= _optional_schemes(sub)
    return names


api = MadoAPI(
    renderer=ReadableJSONRenderer(),
    title="Mado API",
    version="1",
    description="窓 (Mado) 自治体手続プラットフォームのAPI / the Mado municipal procedures API",
    auth=StaffToken(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def error(
    request: HttpRequest, status: int, detail: str, errors: list[Any] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error(
        request,
        401,
        "認証が必要です。有効なAPIトークンを指定してください / authentication required",
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", [])],
            "msg": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    return error(request, 422, "入力内容に誤りがあります / invalid input", errors)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug must still answer in the API's shape, without a traceback to the caller."""
    logger.exception("unhandled API error on %s %s", request.method, request.path)
    return error(
        request,
        500,
        "システムエラーが発生しました。時間をおいて再度お試しください / internal error",
    )


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """Over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses to read the body, whichever view asks."""
    return error(request, 413, "送信内容が大きすぎます / the request body is too large")


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    """Too many fields, a bad multipart boundary…: Django's own 400, in the API's shape."""
    logger.warning("suspicious API request on %s %s: %s", request.method, request.path, exc)
    return error(request, 400, "リクエストを処理できません / malformed request")


@api.exception_handler(RecursionError)
def _too_deep(request: HttpRequest, exc: RecursionError) -> HttpResponse:
    """JSON nested deeper than the parser's recursion limit (``[[[[…``) is bad input, not a bug."""
    logger.warning("over-nested API request on %s %s", request.method, request.path)
    return error(request, 400, "JSON の入れ子が深すぎます / the JSON is nested too deeply")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, str(exc), getattr(exc, "errors", None))


from mado.casework.api import router as casework_router  # noqa: E402
from mado.counter.api import router as counter_router  # noqa: E402
from mado.navigator.api import router as navigator_router  # noqa: E402
from mado.payments.api import router as payments_router  # noqa: E402
from mado.procedures.api import router as procedures_router  # noqa: E402
from mado.registry.api import router as registry_router  # noqa: E402
from mado.submissions.api import router as submissions_router  # noqa: E402

api.add_router("/residents", registry_router)
api.add_router("/procedures", procedures_router)
api.add_router("/navigator", navigator_router)
api.add_router("/forms", submissions_router)
api.add_router("/payments", payments_router)
api.add_router("/counter", counter_router)
api.add_router("/cases", casework_router)
