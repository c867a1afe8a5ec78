"""Refuse requests that carry a NUL character in the path, the query or a text field.

Why: no resident or clerk can type U+0000, yet a crafted request can, and
PostgreSQL cannot store it (text and jsonb refuse it, so the database raises
and the request would end in a 500). Rather than strip it silently — which
would store something other than what was sent — every such request is
answered with a clear 400 (JSON in the API's error shape under /api/) before
any view runs. File contents in multipart uploads are binary and are not
inspected; their *field* values are.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

MESSAGE = (
    "送信内容に使えない文字（NUL）が含まれています / the request contains a NUL character, "
    "which is not allowed"
)


def _text_has_nul(text: str) -> bool:
    return "\x00" in text


def has_nul(request: HttpRequest) -> bool:
    """True when the path, the query string or a non-file body field contains U+0000."""
    return nul_location(request) is not None


def nul_location(request: HttpRequest) -> str | None:
    """Where the NUL is ("path", "query", "body"), or None."""
    if _text_has_nul(request.path):
        return "path"
    if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return "query"
    return "body" if _body_has_nul(request) else None


def _body_has_nul(request: HttpRequest) -> bool:
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/json" or content_type.endswith("+json"):
            body = request.body
            return b"\x00" in body or b"\\u0000" in body
        if content_type == "application/x-www-form-urlencoded":
            return b"\x00" in unquote_to_bytes(request.body.replace(b"+", b" "))
        if content_type == "multipart/form-data":
            return any(
                _text_has_nul(key) or any(_text_has_nul(v) for v in values)
                for key, values in request.POST.lists()
            ) or any(_text_has_nul(f.name or "") for f in request.FILES.values())
    except (RequestDataTooBig, SuspiciousOperation, ValueError):
        return False  # the view's own handling answers these with a 4xx
    return False


class NulGuardMiddleware:
    """400 for any request with a NUL character (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = nul_location(request)
        if where is not None:
            if request.path.startswith("/api/"):
                error = {"loc": [where], "msg": MESSAGE, "type": "nul_character"}
                return JsonResponse({"detail": MESSAGE, "errors": [error]}, status=400)
            return render(request, "400.html", {"message": MESSAGE}, status=400)
        return self.get_response(request)
