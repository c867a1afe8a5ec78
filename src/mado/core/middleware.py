"""Resolve the tenant of each request; security headers and rate limits on every response.

Staff signed in with a session act for the municipality of their staff
profile. Anonymous visitors of the resident site get the municipality whose
host names include the request's host, else ``MADO_DEFAULT_MUNICIPALITY``.
API requests are resolved by the token authentication (mado.api.auth), which
runs inside this middleware's context so the scope ends with the request.

:class:`SecurityHeadersMiddleware` and :class:`RateLimitMiddleware` come right
after Django's SecurityMiddleware so that even an early refusal (a 429, a
CSRF failure) carries the Content-Security-Policy (see docs/security.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mado.core import ratelimit
from mado.core.models import Municipality
from mado.core.security import client_ip, content_security_policy
from mado.core.tenancy import reset_current_municipality, set_current_municipality

_HOST_CACHE: dict[tuple[str, str], tuple[float, Municipality | None]] = {}
_HOST_TTL = 60.0


def clear_host_cache(**kwargs: object) -> None:
    """Forget host → municipality answers (called when a municipality is saved or deleted)."""
    _HOST_CACHE.clear()


def municipality_for_host(host: str) -> Municipality | None:
    """The municipality a resident-site host name serves (cached for a minute per process)."""
    host = host.split(":")[0].lower()
    key = (host, settings.MADO_DEFAULT_MUNICIPALITY)
    now = time.monotonic()
    hit = _HOST_CACHE.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    found = _lookup_host(host)
    if len(_HOST_CACHE) > 1000:  # host names come from clients: keep the cache bounded
        _HOST_CACHE.clear()
    _HOST_CACHE[key] = (now + _HOST_TTL, found)
    return found


def _lookup_host(host: str) -> Municipality | None:
    for m in Municipality.objects.filter(is_active=True).exclude(hostnames=""):
        if host in m.host_list():
            return m
    code = settings.MADO_DEFAULT_MUNICIPALITY
    if code:
        return Municipality.objects.filter(code=code, is_active=True).first()
    return Municipality.objects.filter(is_active=True).order_by("pk").first()


post_save.connect(clear_host_cache, sender=Municipality, dispatch_uid="mado.host_cache.save")
post_delete.connect(clear_host_cache, sender=Municipality, dispatch_uid="mado.host_cache.delete")


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        municipality: Municipality | None = None
        user = getattr(request, "user", None)
        profile = None
        if user is not None and user.is_authenticated:
            profile = getattr(user, "staff_profile", None)
        if profile is not None:
            municipality = profile.municipality
        elif request.path.startswith(("/admin/", "/api/")):
            # Superusers configure every tenant in /admin/; the API resolves its
            # tenant from the bearer token (mado.api.auth).
            municipality = None
        else:
            municipality = municipality_for_host(request.get_host())
        request.municipality = municipality  # type: ignore[attr-defined]
        token = set_current_municipality(municipality)
        try:
            return self.get_response(request)
        finally:
            reset_current_municipality(token)


class JapaneseFirstMiddleware:
    """Japanese unless the user chose another language (cookie from /i18n/setlang/).

    Browsers in a city hall or an acceptance-test robot may announce English;
    the resident and staff screens still open in Japanese, as the DX plans'
    forms and notices are Japanese. ``MADO_USE_BROWSER_LANGUAGE=1`` restores
    Django's Accept-Language negotiation.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.MADO_USE_BROWSER_LANGUAGE:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy and friends on every response.

    The policy allows scripts, styles and images from this site only (no inline
    code, no CDN), so an injected ``<script>`` or ``style=""`` does nothing. A
    view that needs a different policy sets the header itself and is left
    alone. Django's own debug pages (DEBUG=True only) use inline code and are
    sent without the policy so that a developer can read them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        debug_page = settings.DEBUG and response.status_code >= 400
        if self.policy and not debug_page and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        permissions = getattr(settings, "MADO_PERMISSIONS_POLICY", "")
        if permissions:
            response.headers.setdefault("Permissions-Policy", permissions)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429 with Retry-After: JSON in the API's error shape, a page elsewhere."""
    minutes = max(1, (retry_after + 59) // 60)
    message = _(
        "短時間に多くの送信がありました。%(minutes)d分ほど待ってからもう一度お試しください。"
        "入力した内容はブラウザの「戻る」で残っています"
        " / Too many requests from your network. Please wait about %(minutes)d minute(s)"
        " and try again; what you typed is still there when you go back."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message, "errors": [{"type": "rate_limited", "retry_after": retry_after}]},
            status=429,
        )
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class RateLimitMiddleware:
    """Refuse state-changing resident requests over ``MADO_RATE_LIMITS`` with a 429."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        decision = ratelimit.check(request, client_ip(request))
        if decision is not None and not decision.allowed:
            return too_many_requests(request, decision.retry_after)
        return self.get_response(request)
