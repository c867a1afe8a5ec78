"""Template context: the municipality the page is served for."""

from typing import Any

from django.http import HttpRequest


def tenant(request: HttpRequest) -> dict[str, Any]:
    return {"municipality": getattr(request, "municipality", None)}
