"""E-mail link sign-in (level "email"): a signed, expiring, single-use link.

Why this shape: the address is proved by reading mail sent to it, nothing
more, so the level is below the card and no registry attribute is attached.
The link's token is Django-signed (tamper-evident, 30 minutes) and carries
the address; the database keeps only a keyed hash of the address (for the
rate limit of 5 requests per address per hour) and the link's used flag, so a
link works once. The request page answers the same whether or not the
address has been seen before — there is no list of "known" addresses to leak.
Opening the link shows a confirmation button rather than signing in on GET:
mail scanners that prefetch links would otherwise spend the single use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.utils import timezone

from mado.core import audit
from mado.core.models import Municipality
from mado.identity.base import (
    AdapterStatus,
    IdentityError,
    IdentityProvider,
    VerifiedIdentity,
    empty_identity,
)
from mado.identity.models import EmailLink

LINK_TTL = dt.timedelta(minutes=30)
RATE_LIMIT = 5
RATE_WINDOW = dt.timedelta(hours=1)
SALT = "mado.identity.email_link"


def normalize_address(address: str) -> str:
    """Trimmed, domain lower-cased; raises IdentityError("bad_email")."""
    value = (address or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise IdentityError("bad_email") from None
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def address_hash(address: str) -> str:
    key = hashlib.sha256(f"{SALT}:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, address.lower().encode(), hashlib.sha256).hexdigest()


def make_link_token(address: str, *, municipality: Municipality, next_url: str = "") -> str:
    """Record a link and return its signed token; raises rate_limited / bad_email."""
    clean = normalize_address(address)
    digest = address_hash(clean)
    now = timezone.now()
    # Counted across municipalities: the limit protects the mailbox, not a tenant.
    recent = EmailLink.unscoped.filter(address_hash=digest, created_at__gte=now - RATE_WINDOW)
    if recent.count() >= RATE_LIMIT:
        raise IdentityError("rate_limited")
    EmailLink.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    link = EmailLink.objects.create(
        municipality=municipality, address_hash=digest, expires_at=now + LINK_TTL
    )
    return signing.dumps({"id": str(link.id), "a": clean, "n": next_url}, salt=SALT)


def send_link(
    address: str,
    *,
    link_url_for: Callable[[str], str],
    municipality: Municipality,
    next_url: str = "",
) -> None:
    """Create a token and mail the link; ``link_url_for(token)`` builds the absolute URL."""
    token = make_link_token(address, municipality=municipality, next_url=next_url)
    url = link_url_for(token)
    city = municipality.name
    minutes = int(LINK_TTL.total_seconds() // 60)
    body = (
        f"{city}のオンライン手続のサインイン用リンクです。{minutes}分以内に一度だけ使えます。\n"
        f"{url}\n\n"
        "このメールに心当たりがない場合は、何もせずに削除してください。\n\n"
        f"Sign-in link for {city} online services, valid once within {minutes} minutes:\n"
        f"{url}\n"
        "If you did not ask for it, simply delete this e-mail.\n"
    )
    send_mail(
        f"【{city}】サインイン用リンク / Sign-in link",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [normalize_address(address)],
    )


def read_token(token: str, *, now: dt.datetime | None = None) -> dict[str, str]:
    """The token's content if it is authentic, unexpired and unused (does not consume)."""
    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_TTL)
    except signing.SignatureExpired:
        raise IdentityError("link_expired") from None
    except signing.BadSignature:
        raise IdentityError("link_invalid") from None
    try:
        link = EmailLink.objects.filter(pk=uuid.UUID(str(data["id"]))).first()
        address = str(data["a"])
    except (KeyError, TypeError, ValueError):
        raise IdentityError("link_invalid") from None
    if link is None or link.address_hash != address_hash(address):
        raise IdentityError("link_invalid")
    if link.used_at is not None:
        raise IdentityError("link_used")
    if link.expires_at <= now:
        raise IdentityError("link_expired")
    return {"id": str(link.id), "address": address, "next": str(data.get("n", ""))}


def redeem(token: str, *, now: dt.datetime | None = None) -> tuple[VerifiedIdentity, str]:
    """Use the link once: (identity at level "email", the next URL it carried)."""
    now = now or timezone.now()
    data = read_token(token, now=now)
    taken = EmailLink.objects.filter(pk=data["id"], used_at__isnull=True).update(used_at=now)
    if not taken:
        raise IdentityError("link_used")
    link = EmailLink.objects.select_related("municipality").get(pk=data["id"])
    audit.record(
        audit.Action.LOGIN,
        municipality=link.municipality,
        actor="identity:email",
        target_type="identity.email",
        target_id=link.address_hash[:16],
        reason="メールによる本人確認 / e-mail sign-in",
    )
    identity = empty_identity(
        "email",
        data["address"],
        email=data["address"],
        municipality=link.municipality.code,
    )
    return identity, data["next"]


class EmailLinkProvider(IdentityProvider):
    """Adapter: proof of control of an e-mail address."""

    key = "email"
    level = "email"
    label = "メールアドレスの確認 / E-mail link"

    def start_url_name(self) -> str:
        return "identity:email"

    def check(self) -> AdapterStatus:
        backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
        if backend == "smtp":
            host = settings.EMAIL_HOST
            ok = bool(host) and bool(settings.DEFAULT_FROM_EMAIL)
            detail = f"SMTP {host}:{settings.EMAIL_PORT}, from {settings.DEFAULT_FROM_EMAIL}"
        else:
            ok = True
            detail = f"{backend} backend (メールは送信されません / mail is not delivered)"
        return AdapterStatus(self.key, self.label, ok, detail, simulated=backend != "smtp")
