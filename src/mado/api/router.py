"""The JSON API at /api/v1/ (django-ninja), with its OpenAPI document.

Errors always have the shape ``{"detail": str, "errors": [...]}`` and a 4xx
status (CONTRACT.md); input validation failures never surface as a 5xx.
Each app contributes a router; this module only assembles them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from mado.api.auth import StaffToken

logger = logging.getLogger("mado.api")


class ReadableJSONRenderer(JSONRenderer):
    """UTF-8 JSON with Japanese left readable (氏名 rather than \\u6c0f\\u540d)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
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
