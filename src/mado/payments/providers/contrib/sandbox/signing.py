"""Webhook signatures: ``Mado-Signature: t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>``.

Why the timestamp is inside the signed text: a captured webhook cannot be
replayed later with a fresh ``t`` (the MAC would not match), and an old one is
refused by age (:data:`TOLERANCE_SECONDS`). The secret is
``settings.MADO_SANDBOX_WEBHOOK_SECRET``; the development default below is
public (docs/payments.md) and must be replaced anywhere real.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

HEADER = "Mado-Signature"
TOLERANCE_SECONDS = 300
DEV_SECRET = "mado-sandbox-webhook-secret-development-only"  # noqa: S105  (documented dev default)


def secret() -> str:
    return str(getattr(settings, "MADO_SANDBOX_WEBHOOK_SECRET", "") or DEV_SECRET)


def compute(body: bytes, timestamp: int, key: str | None = None) -> str:
    text = str(int(timestamp)).encode() + b"." + body
    return hmac.new((key or secret()).encode(), text, hashlib.sha256).hexdigest()


def header_value(body: bytes, timestamp: int | None = None, key: str | None = None) -> str:
    t = int(time.time() if timestamp is None else timestamp)
    return f"t={t},v1={compute(body, t, key)}"


def parse(value: str) -> tuple[int, list[str]]:
    """(timestamp, [v1 signatures]); ValueError when the header is malformed."""
    t: int | None = None
    sigs: list[str] = []
    for part in (value or "").split(","):
        name, sep, val = part.strip().partition("=")
        if not sep:
            continue
        if name == "t":
            t = int(val)
        elif name == "v1":
            sigs.append(val.strip())
    if t is None or not sigs:
        raise ValueError("malformed signature header")
    return t, sigs


def verify(value: str, body: bytes, *, now: float | None = None, key: str | None = None) -> int:
    """The timestamp of a valid signature; raises ValueError("malformed"|"bad"|"expired")."""
    try:
        t, sigs = parse(value)
    except ValueError as exc:
        raise ValueError("malformed") from exc
    expected = compute(body, t, key)
    if not any(hmac.compare_digest(expected, s) for s in sigs):
        raise ValueError("bad")
    current = time.time() if now is None else now
    if abs(current - t) > TOLERANCE_SECONDS:
        raise ValueError("expired")
    return t
