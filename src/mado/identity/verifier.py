"""JPKI relying party: challenges and verification of a card's signed response.

This is the only side that decides. It trusts exactly the CA certificates
marked ``trusted`` (the deployment's stand-in for J-LIS), reads the CA's
published CRL, and takes the resident's attributes only from a certificate it
has verified — never from the request. The order of checks follows a real
relying party: the challenge (fresh, unused — consumed on first use whatever
the outcome, so a response can never be replayed), the certificate (issued by
a trusted CA, within its validity, a signing key usage), its revocation status
(a CRL signed by that CA and not past ``nextUpdate``), then the signature over
the exact challenge bytes.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.utils import timezone

from mado.core import audit
from mado.core.models import Municipality
from mado.core.text import normalize_width
from mado.identity import jpki
from mado.identity.base import (
    AdapterStatus,
    IdentityError,
    IdentityProvider,
    VerifiedIdentity,
    empty_identity,
)
from mado.identity.models import CertificateAuthority, Challenge
from mado.registry import services as registry

CHALLENGE_TTL = dt.timedelta(minutes=5)


def start_challenge(*, origin: str, municipality: Municipality) -> Challenge:
    """A fresh random nonce for a card to sign; valid 5 minutes, usable once."""
    now = timezone.now()
    # Housekeeping: challenges older than a day are of no use to anyone.
    Challenge.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    return Challenge.objects.create(
        municipality=municipality,
        nonce=secrets.token_hex(32),
        origin=origin[:200],
        expires_at=now + CHALLENGE_TTL,
    )


def _consume(challenge_id: Any, now: dt.datetime) -> Challenge:
    try:
        key = uuid.UUID(str(challenge_id))
    except (TypeError, ValueError):
        raise IdentityError("challenge_unknown") from None
    # One UPDATE decides the race: only the first response may use a challenge.
    taken = Challenge.objects.filter(pk=key, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    challenge = Challenge.objects.filter(pk=key).first()
    if challenge is None:
        raise IdentityError("challenge_unknown")
    if not taken:
        if challenge.used_at is not None:
            raise IdentityError("challenge_reused")
        raise IdentityError("challenge_expired")
    return challenge


def _issuer(cert: x509.Certificate) -> tuple[CertificateAuthority, x509.Certificate]:
    """The trusted CA that signed ``cert``; unknown_ca / bad_certificate otherwise."""
    named = [
        (ca, jpki.ca_certificate(ca))
        for ca in CertificateAuthority.objects.filter(trusted=True).order_by("pk")
    ]
    named = [(ca, c) for ca, c in named if c.subject == cert.issuer]
    if not named:
        raise IdentityError("unknown_ca")
    for ca, ca_cert in named:
        try:
            cert.verify_directly_issued_by(ca_cert)
        except (InvalidSignature, ValueError, TypeError):
            continue
        return ca, ca_cert
    # Issuer name of a trusted CA but not its signature: altered, or an impostor CA.
    raise IdentityError("bad_certificate")


def _check_validity(cert: x509.Certificate, ca_cert: x509.Certificate, now: dt.datetime) -> None:
    if ca_cert.not_valid_after_utc < now:
        raise IdentityError("unknown_ca", "認証局の証明書の期限切れ", "CA certificate expired")
    if cert.not_valid_before_utc > now:
        raise IdentityError("not_yet_valid")
    if cert.not_valid_after_utc < now:
        raise IdentityError("expired")


def _check_key_usage(cert: x509.Certificate) -> None:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise IdentityError("key_usage") from None
    if basic.ca or not (usage.digital_signature and usage.content_commitment):
        raise IdentityError("key_usage")


def _check_revocation(
    cert: x509.Certificate, ca: CertificateAuthority, ca_cert: x509.Certificate, now: dt.datetime
) -> None:
    crl = jpki.current_crl(ca, now=now)
    public_key = ca_cert.public_key()
    if crl.issuer != ca_cert.subject or not crl.is_signature_valid(public_key):  # type: ignore[arg-type]
        raise IdentityError("stale_crl", "失効リストの署名が不正", "CRL signature invalid")
    if crl.next_update_utc is None or crl.next_update_utc < now or crl.last_update_utc > now:
        raise IdentityError("stale_crl")
    if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
        raise IdentityError("revoked")


def _check_signature(cert: x509.Certificate, signature: bytes, message: bytes) -> None:
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        else:
            raise IdentityError("key_usage")
    except (InvalidSignature, ValueError):
        raise IdentityError("bad_signature") from None


def _norm(value: str) -> str:
    return "".join(normalize_width(value).split())


def match_resident(municipality: Municipality | None, attrs: dict[str, str]) -> int | None:
    """The registry resident with exactly this name, birth date and address, if one."""
    if municipality is None:
        return None
    try:
        candidates = registry.search_residents(
            municipality,
            attrs["name"],
            attrs["birth_date"],
            user=None,
            reason="マイナンバーカードによる本人確認 / card sign-in",
            limit=20,
        )
    except registry.QueryError:
        return None
    name, address = _norm(attrs["name"]), _norm(attrs["address"])
    found = [
        r.pk
        for r in candidates
        if _norm(r.full_name) == name
        and _norm(r.address + r.address_extra) == address
        and r.birth_date.isoformat() == attrs["birth_date"]
    ]
    return found[0] if len(found) == 1 else None


def verify(
    response: jpki.SignedResponse, challenge_id: Any, *, now: dt.datetime | None = None
) -> VerifiedIdentity:
    """Check a card's response to ``challenge_id``; the identity, or IdentityError."""
    now = now or timezone.now()
    challenge = _consume(challenge_id, now)
    municipality = challenge.municipality
    try:
        try:
            cert = x509.load_pem_x509_certificate(response.cert_pem.encode())
        except (ValueError, TypeError, AttributeError):
            raise IdentityError("malformed") from None
        ca, ca_cert = _issuer(cert)
        _check_validity(cert, ca_cert, now)
        _check_key_usage(cert)
        _check_revocation(cert, ca, ca_cert, now)
        _check_signature(
            cert, response.signature, jpki.challenge_message(challenge.nonce, challenge.origin)
        )
        try:
            attrs = jpki.read_attributes(cert)
        except (ValueError, UnicodeDecodeError):
            raise IdentityError("bad_certificate") from None
    except IdentityError as exc:
        audit.record(
            audit.Action.LOGIN_FAILED,
            municipality=municipality,
            actor="identity:card",
            target_type="identity.card",
            reason="マイナンバーカードによる本人確認 / card sign-in",
            detail={"code": exc.code},
        )
        raise
    serial = str(cert.serial_number)
    resident_id = match_resident(municipality, attrs)
    audit.record(
        audit.Action.LOGIN,
        municipality=municipality,
        actor=f"identity:card:{serial}"[:150],
        target_type="resident" if resident_id else "identity.card",
        target_id=resident_id or serial[:64],
        reason="マイナンバーカードによる本人確認 / card sign-in",
    )
    return empty_identity(
        "card",
        serial,
        name=attrs["name"],
        birth_date=attrs["birth_date"],
        sex=attrs["sex"],
        address=attrs["address"],
        resident_id=resident_id,
        municipality=municipality.code if municipality else "",
    )


class JpkiSimulatorProvider(IdentityProvider):
    """Adapter: My Number card (JPKI signature certificate), in-process simulator."""

    key = "jpki"
    level = "card"
    label = "マイナンバーカード(公的個人認証・模擬) / My Number card (JPKI, simulated)"
    simulated = True

    def start_url_name(self) -> str:
        return "identity:card"

    def check(self) -> AdapterStatus:
        cas = list(CertificateAuthority.objects.filter(trusted=True).order_by("pk"))
        if not cas:
            return AdapterStatus(
                self.key,
                self.label,
                False,
                "信頼する認証局がありません。`mado issue_demo_cards` を実行してください / "
                "no trusted CA: run `mado issue_demo_cards`",
                simulated=True,
            )
        problems = []
        now = timezone.now()
        for ca in cas:
            try:
                crl = jpki.current_crl(ca, now=now)
                jpki._unseal(ca.key_encrypted)
            except Exception as exc:
                problems.append(f"{ca.name}: {exc}")
                continue
            if crl.next_update_utc is None or crl.next_update_utc < now:
                problems.append(f"{ca.name}: CRLの期限切れ / CRL past nextUpdate")
            if jpki.ca_certificate(ca).not_valid_after_utc < now:
                problems.append(f"{ca.name}: CA証明書の期限切れ / CA certificate expired")
        if problems:
            return AdapterStatus(self.key, self.label, False, "; ".join(problems), simulated=True)
        names = ", ".join(ca.name for ca in cas)
        return AdapterStatus(
            self.key, self.label, True, f"模擬認証局 / simulated CA: {names}", simulated=True
        )
