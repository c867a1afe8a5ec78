"""Rate limits on resident endpoints: fixed window per address, 429 + Retry-After."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mado.core import ratelimit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters() -> Any:
    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("POST", "/apply/juminhyo/", "apply"),
        ("GET", "/apply/juminhyo/", ""),
        ("POST", "/id/card/", "identity"),
        ("POST", "/id/email/", "identity"),
        ("POST", "/previsit/", "previsit"),
        ("POST", "/pay/123/", "pay"),
        ("POST", "/api/v1/forms/event-sanka/submissions", "api_submit"),
        ("POST", "/api/v1/navigator/plan", ""),
        ("POST", "/staff/login/", ""),
    ],
)
def test_scopes(method: str, path: str, scope: str) -> None:
    assert ratelimit.scope_for(method, path) == scope


def test_fixed_window_counts_and_resets() -> None:
    rule = {"apply": (3, 60)}
    from django.test import override_settings

    with override_settings(MADO_RATE_LIMITS=rule):
        verdicts = [ratelimit.hit("apply", "10.0.0.1", now=1000.0).allowed for _ in range(4)]
        assert verdicts == [True, True, True, False]
        assert ratelimit.hit("apply", "10.0.0.2", now=1000.0).allowed  # per address
        late = ratelimit.hit("apply", "10.0.0.1", now=1000.0)
        assert late.retry_after == 20  # window 960-1020
        assert ratelimit.hit("apply", "10.0.0.1", now=1021.0).allowed  # next window


def test_html_endpoint_answers_429_bilingual(world: dict[str, Any], settings: Any) -> None:
    settings.MADO_RATE_LIMITS = {**settings.MADO_RATE_LIMITS, "identity": (2, 60)}
    client = Client()
    statuses = [client.post("/id/email/", {"email": "a@example.jp"}).status_code for _ in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429
    response = client.post("/id/email/", {"email": "a@example.jp"})
    body = response.content.decode()
    assert "しばらくお待ちください" in body and "Too many requests" in body
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Content-Security-Policy" in response
    assert client.get("/id/").status_code != 429  # reading is never limited


def test_api_endpoint_answers_429_json(world: dict[str, Any], settings: Any) -> None:
    settings.MADO_RATE_LIMITS = {**settings.MADO_RATE_LIMITS, "api_submit": (1, 60)}
    client = Client()
    client.post("/api/v1/forms/x/submissions", "{}", content_type="application/json")
    response = client.post("/api/v1/forms/x/submissions", "{}", content_type="application/json")
    assert response.status_code == 429
    data = response.json()
    assert "Too many requests" in data["detail"] and data["errors"][0]["type"] == "rate_limited"
    assert "Retry-After" in response


def test_switched_off_scope_is_not_limited(world: dict[str, Any], settings: Any) -> None:
    settings.MADO_RATE_LIMITS = {**settings.MADO_RATE_LIMITS, "api_submit": None}
    client = Client()
    for _ in range(3):
        response = client.post("/api/v1/forms/x/submissions", "{}", content_type="application/json")
        assert response.status_code != 429


def test_client_ip_header_only_when_configured(settings: Any) -> None:
    from django.test import RequestFactory

    from mado.core.security import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_REAL_IP="203.0.113.5")
    assert client_ip(request) == "10.1.1.1"
    settings.MADO_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert client_ip(request) == "203.0.113.5"
    request.META["HTTP_X_REAL_IP"] = "not-an-ip"
    assert client_ip(request) == "10.1.1.1"
