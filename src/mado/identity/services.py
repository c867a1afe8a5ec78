"""Public API of the identity app: sign-in state, the two adapters, demo cards.

Other apps (eforms prefill, submissions, the resident pages) call only this
module: ``current_identity(request)`` gives the verified identity dict of the
session (or None), ``level_at_least`` compares levels, and card-verified
attributes (``CARD_ATTRIBUTES``) are the ones forms lock. The JPKI functions
are re-exported so tests and the seed use one entry point; the simulator's
issuing side (``jpki``) and the verifier (``verifier``) stay separate modules
because only the verifier decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from mado.core.models import Municipality
from mado.identity import base, jpki
from mado.identity.base import (
    CARD_ATTRIBUTES,
    LEVELS,
    AdapterStatus,
    IdentityError,
    VerifiedIdentity,
    level_at_least,
)
from mado.identity.email_link import EmailLinkProvider, make_link_token, redeem, send_link
from mado.identity.email_link import read_token as read_link
from mado.identity.jpki import (
    DEMO_PIN,
    CardAttributes,
    ChallengeData,
    SignedResponse,
    card_sign,
    current_crl,
    issue_card,
    publish_crl,
    revoke_card,
)
from mado.identity.models import CertificateAuthority, DemoCard
from mado.identity.verifier import JpkiSimulatorProvider, start_challenge, verify

SESSION_KEY = "mado.identity"
DEMO_CA_NAME = "Mado 模擬署名用認証局 (Simulated JPKI signing CA)"
FOREIGN_CA_NAME = "他の認証局・信頼しない (Foreign CA, not trusted)"

# The adapters of the port (DESIGN §3); a deployment may register more.
if not any(p.key == "email" for p in base.registry.all()):
    base.registry.register(EmailLinkProvider())
    base.registry.register(JpkiSimulatorProvider())


def check() -> list[AdapterStatus]:
    """For operators: is each identity adapter configured (and its CRL current)?"""
    return base.registry.check()


# --- session -------------------------------------------------------------------------


def sign_in(request: HttpRequest, identity: VerifiedIdentity) -> None:
    """Keep a verified identity in the session (new session key: no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "identity": dict(identity),
        "at": timezone.now().isoformat(),
    }


def sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def current_identity(request: HttpRequest) -> VerifiedIdentity | None:
    """The session's verified identity, if it was verified for this municipality."""
    stored = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not stored or "identity" not in stored:
        return None
    identity = stored["identity"]
    here = getattr(request, "municipality", None)
    if identity.get("municipality") and here is not None and identity["municipality"] != here.code:
        return None
    return identity  # type: ignore[no-any-return]


def safe_next_url(request: HttpRequest, candidate: str | None, default: str = "/") -> str:
    """``candidate`` if it is a same-site relative path, else ``default`` (no open redirect)."""
    url = (candidate or "").strip()
    if (
        not url.startswith("/")
        or url.startswith(("//", "/\\"))
        or any(ord(ch) < 0x20 or ch == "\\" for ch in url)
        or not url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    ):
        return default
    return url


# --- demo cards ------------------------------------------------------------------------


def demo_ca(*, key_type: str = "rsa") -> CertificateAuthority:
    """The deployment's trusted simulated CA (created on first use)."""
    ca = CertificateAuthority.objects.filter(name=DEMO_CA_NAME).first()
    return ca or jpki.create_ca(DEMO_CA_NAME, trusted=True, key_type=key_type)


def foreign_ca(*, key_type: str = "rsa") -> CertificateAuthority:
    ca = CertificateAuthority.objects.filter(name=FOREIGN_CA_NAME).first()
    return ca or jpki.create_ca(FOREIGN_CA_NAME, trusted=False, key_type=key_type)


def demo_cards(municipality: Municipality) -> list[DemoCard]:
    return list(
        DemoCard.unscoped.filter(municipality=municipality).select_related("ca").order_by("pk")
    )


def seed_demo_cards(
    municipality: Municipality, residents: Iterable[Any], *, key_type: str = "rsa"
) -> list[DemoCard]:
    """Issue one valid card per resident, plus an expired, a revoked and a foreign-CA card.

    Idempotent: residents who already hold a card, and refusal cards already
    made, are skipped. Every card has the signature PIN ``DEMO_PIN``.
    """
    residents = list(residents)
    if not residents:
        return []
    ca, other = demo_ca(key_type=key_type), foreign_ca(key_type=key_type)
    existing = DemoCard.unscoped.filter(municipality=municipality)
    holders = set(existing.filter(kind="normal").values_list("resident_id", flat=True))
    kinds = set(existing.values_list("kind", flat=True))
    shared = {"key_type": key_type, "pin_hash": make_password(jpki.normalize_pin(DEMO_PIN))}
    made: list[DemoCard] = []
    for r in residents:
        if r.pk not in holders:
            made.append(
                issue_card(
                    r,
                    ca=ca,
                    municipality=municipality,
                    **shared,
                    label=f"{r.full_name}(有効 / valid)",
                )
            )
    now = timezone.now()
    special = residents[-1]
    if "expired" not in kinds:
        made.append(
            issue_card(
                special,
                ca=ca,
                municipality=municipality,
                **shared,
                kind="expired",
                not_before=now - dt.timedelta(days=6 * 365),
                label=f"【期限切れ / expired】{special.full_name}",
            )
        )
    if "revoked" not in kinds:
        card = issue_card(
            special,
            ca=ca,
            municipality=municipality,
            **shared,
            kind="revoked",
            label=f"【失効 / revoked】{special.full_name}",
        )
        revoke_card(card, "紛失届(体験用) / reported lost (demo)")
        made.append(card)
    if "foreign" not in kinds:
        made.append(
            issue_card(
                special,
                ca=other,
                municipality=municipality,
                **shared,
                kind="foreign",
                label=f"【他の認証局 / foreign CA】{special.full_name}",
            )
        )
    return made


__all__ = [
    "CARD_ATTRIBUTES",
    "DEMO_PIN",
    "LEVELS",
    "SESSION_KEY",
    "AdapterStatus",
    "CardAttributes",
    "ChallengeData",
    "IdentityError",
    "SignedResponse",
    "VerifiedIdentity",
    "card_sign",
    "check",
    "current_crl",
    "current_identity",
    "demo_ca",
    "demo_cards",
    "foreign_ca",
    "issue_card",
    "level_at_least",
    "make_link_token",
    "publish_crl",
    "read_link",
    "redeem",
    "revoke_card",
    "safe_next_url",
    "seed_demo_cards",
    "send_link",
    "sign_in",
    "sign_out",
    "start_challenge",
    "verify",
]
