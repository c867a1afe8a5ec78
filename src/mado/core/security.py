"""Security helpers shared by the middleware, the staff sign-in and the deploy checks.

Why one module: the client address, the Content-Security-Policy text and the
list of public development secrets are each needed in several places (rate
limits, login lockout, headers, ``mado check --deploy``); computing them in one
place keeps the rules identical everywhere. Nothing here reads the database.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.http import HttpRequest

# Public development defaults: the repository publishes them, so a production
# deployment that still uses one has no secret at all.
DEV_SECRET_KEY = "mado-development-only-secret-key-not-for-production-use-0123456789"  # noqa: S105
DEV_SANDBOX_WEBHOOK_SECRET = "mado-sandbox-webhook-secret-development-only"  # noqa: S105


def client_ip(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR`` or the header a trusted proxy sets.

    ``MADO_CLIENT_IP_HEADER`` names a META key (e.g. ``HTTP_X_REAL_IP``) that
    the city's own reverse proxy overwrites; a value that is not an IP address
    is ignored, so a forged header cannot become an arbitrary cache key.
    """
    header = getattr(settings, "MADO_CLIENT_IP_HEADER", "")
    candidates = []
    if header:
        candidates.append(str(request.META.get(header, "")).split(",")[0].strip())
    candidates.append(str(request.META.get("REMOTE_ADDR", "")).strip())
    for value in candidates:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            continue
    return "unknown"


def content_security_policy() -> str:
    """The policy text from ``settings.MADO_CSP`` (directive → list of sources)."""
    policy: dict[str, list[str]] = getattr(settings, "MADO_CSP", {})
    return "; ".join(
        f"{directive} {' '.join(sources)}".strip() for directive, sources in policy.items()
    )


def dev_field_key(secret_key: str = DEV_SECRET_KEY) -> str:
    """The field key development derives from the development secret key (see registry.my_number)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"mado-registry", info=b"field-key").derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw).decode()


def known_dev_secrets() -> dict[str, str]:
    """Fingerprint → name of every published development secret."""
    values = {
        "the development SECRET_KEY": DEV_SECRET_KEY,
        "the development field key": dev_field_key(),
        "the sandbox webhook development secret": DEV_SANDBOX_WEBHOOK_SECRET,
        "the published demo password": "mado-demo-2026",
    }
    return {_fingerprint(v): name for name, v in values.items()}


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.strip().encode()).hexdigest()


def dev_secret_name(value: str) -> str:
    """Which published development secret ``value`` is, or "" when it is none of them."""
    if not value:
        return ""
    return known_dev_secrets().get(_fingerprint(value), "")
