"""Fixed-window rate limits per client address on the resident endpoints.

Why: the resident site is public. Sign-in (card, e-mail link), applications,
pre-visit codes and payments each cost the city something (a mail, a database
row, a provider call) and some guard a secret (an e-mail code), so one address
may only send so many state-changing requests per window. Reads (GET, HEAD)
are never limited: a resident who reloads a page is not an attacker.

Why a fixed window in a cache: one ``add`` plus one ``incr`` per request, no
lock and no table of our own; the counter key carries the window number, so it
expires by itself. The limits are deliberately generous (``MADO_RATE_LIMITS``
in settings) and every scope is visible there: nothing is exempted silently —
a benchmark that needs more raises its scope explicitly.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

CACHE_ALIAS = "ratelimit"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# scope → the request paths it covers (state-changing methods only).
SCOPES: dict[str, re.Pattern[str]] = {
    "apply": re.compile(r"^/apply/"),
    "identity": re.compile(r"^/id/(card|email)/"),
    "previsit": re.compile(r"^/previsit/"),
    "pay": re.compile(r"^/pay/"),
    "api_submit": re.compile(r"^/api/v1/forms/[^/]+/submissions/?$"),
}


@dataclass(frozen=True)
class Decision:
    """The verdict on one request: allowed, or refused with seconds to wait."""

    scope: str
    allowed: bool
    limit: int
    retry_after: int


def scope_for(method: str, path: str) -> str:
    """The rate-limit scope of a request, or "" when it is not limited."""
    if method.upper() in SAFE_METHODS:
        return ""
    for scope, pattern in SCOPES.items():
        if pattern.match(path):
            return scope
    return ""


def limit_of(scope: str) -> tuple[int, int] | None:
    """(requests, window seconds) of a scope; None when switched off in settings."""
    limits: dict[str, tuple[int, int] | None] = getattr(settings, "MADO_RATE_LIMITS", {})
    return limits.get(scope)


def hit(scope: str, client: str, now: float | None = None) -> Decision:
    """Count one request of ``client`` in ``scope`` and say whether it may pass."""
    rule = limit_of(scope)
    if rule is None:
        return Decision(scope, True, 0, 0)
    limit, window = rule
    window = max(1, int(window))
    now = time.time() if now is None else now
    number = int(now // window)
    key = f"rl:{scope}:{client}:{number}"
    cache = caches[CACHE_ALIAS]
    # add() is atomic: the first request of the window creates the counter.
    if cache.add(key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=window + 1)
            count = 1
    retry_after = max(1, int((number + 1) * window - now + 0.999))
    return Decision(scope, count <= limit, limit, retry_after)


def check(request: HttpRequest, client: str) -> Decision | None:
    """The decision for a request, or None when the request is in no scope."""
    scope = scope_for(request.method or "GET", request.path)
    if not scope:
        return None
    return hit(scope, client)


def reset() -> None:
    """Forget every counter (tests; an operator after a false alarm)."""
    caches[CACHE_ALIAS].clear()
