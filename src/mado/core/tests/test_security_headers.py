"""Security headers on every response, and templates free of inline code (CSP)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["/", "/staff/login/", "/no-such-page/", "/api/v1/procedures"])
def test_every_response_carries_the_headers(world: dict[str, Any], path: str) -> None:
    response = Client().get(path)
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "frame-ancestors 'none'", "form-action 'self'", "base-uri 'self'", "object-src 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_api_docs_use_vendored_swagger_without_inline_script(world: dict[str, Any]) -> None:
    body = Client().get("/api/v1/docs").content.decode()
    assert "cdn" not in body.lower()
    assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>", body)


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")[^>]*>|\sstyle=\"|<style\b|\son[a-z]+=",
    re.IGNORECASE,
)


def test_no_template_has_inline_script_style_or_handlers() -> None:
    offenders = [
        f"{path.relative_to(SRC)}: {m.group(0)}"
        for path in SRC.rglob("templates/**/*.html")
        for m in INLINE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
