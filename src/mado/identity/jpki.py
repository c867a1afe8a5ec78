"""JPKI simulator, issuing and card side: a test CA, demo cards, the CRL, card signing.

This stands for what is *outside* the city hall in the real 公的個人認証:
J-LIS's certification authority (issues the 署名用電子証明書 carrying the four
basic attributes, publishes the CRL) and the card itself (keeps the private
key, checks the signature PIN, locks after five wrong PINs, signs). The
relying party — the only side that decides — is :mod:`mado.identity.verifier`;
it reads nothing from here but the CA certificate and the published CRL.

Everything is real X.509 (``cryptography``): RSA-2048 with SHA-256 as on real
cards, or EC P-256 where tests need speed. The attribute OIDs live under a
private arc (``2.25.<UUID>``, ITU-T X.667: anyone may mint one) and are marked
*simulated*, so a demo certificate can never pass for a J-LIS one.
See docs/identity.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mado.core.models import Municipality
from mado.identity.base import IdentityError
from mado.identity.models import (
    PIN_MAX_TRIES,
    CertificateAuthority,
    DemoCard,
    RevokedCertificate,
)
from mado.registry import my_number as field_crypto

# --- Object identifiers (SIMULATED: a private arc, not J-LIS's) -------------------
ARC = "2.25.12177703594987876356317506767265316195"
OID_POLICY_SIMULATED = x509.ObjectIdentifier(f"{ARC}.1")  # "simulated JPKI signature cert"
OID_NAME = x509.ObjectIdentifier(f"{ARC}.2.1")  # 氏名, UTF8String
OID_BIRTH_DATE = x509.ObjectIdentifier(f"{ARC}.2.2")  # 生年月日, UTF8String YYYYMMDD
OID_SEX = x509.ObjectIdentifier(f"{ARC}.2.3")  # 性別, UTF8String "1" 男 / "2" 女 / "3" 不明
OID_ADDRESS = x509.ObjectIdentifier(f"{ARC}.2.4")  # 住所, UTF8String
ATTRIBUTE_OIDS = {
    "name": OID_NAME,
    "birth_date": OID_BIRTH_DATE,
    "sex": OID_SEX,
    "address": OID_ADDRESS,
}
SEX_CODES = {"M": "1", "F": "2", "": "3"}
SEX_FROM_CODE = {v: k for k, v in SEX_CODES.items()}

DEMO_PIN = "1234abcd"  # documented demo signature PIN (docs/identity.md)
SIGNATURE_CERT_YEARS = 5  # 署名用電子証明書: 5 years, never past the card's expiry
CARD_YEARS = 10  # card of an adult: about 10 years
CRL_VALIDITY = dt.timedelta(days=1)  # nextUpdate - thisUpdate
CRL_REPUBLISH_AFTER = dt.timedelta(hours=6)  # the simulated CA's publication schedule
PIN_RE = re.compile(r"^[A-Z0-9]{6,16}$")
SIGNING_CONTEXT = b"mado-jpki-sim/1"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class CardAttributes:
    """The four basic attributes (基本4情報) written into a signature certificate."""

    name: str
    birth_date: dt.date
    sex: str  # "M" / "F" / ""
    address: str


@dataclass(frozen=True)
class ChallengeData:
    """A challenge as the resident's side sees it: what the card signs."""

    nonce: str
    origin: str


@dataclass(frozen=True)
class SignedResponse:
    """What a card gives back: its certificate and a signature over the challenge."""

    cert_pem: str
    signature: bytes


# --- DER helpers for the otherName values ----------------------------------------


def der_utf8(value: str) -> bytes:
    """DER encoding of an ASN.1 UTF8String (tag 0x0C)."""
    body = value.encode("utf-8")
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return b"\x0c" + length + body


def parse_der_utf8(data: bytes) -> str:
    """Inverse of :func:`der_utf8`; raises ValueError on anything else."""
    if len(data) < 2 or data[0] != 0x0C:
        raise ValueError("not a UTF8String")
    first = data[1]
    if first < 0x80:
        n, start = first, 2
    else:
        k = first & 0x7F
        if k == 0 or k > 4 or len(data) < 2 + k:
            raise ValueError("bad DER length")
        n, start = int.from_bytes(data[2 : 2 + k], "big"), 2 + k
    if len(data) != start + n:
        raise ValueError("DER length mismatch")
    return data[start:].decode("utf-8")


def read_attributes(cert: x509.Certificate) -> dict[str, str]:
    """The four attributes of a (verified) certificate: name, birth_date ISO, sex, address."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound as exc:
        raise ValueError("no SubjectAltName") from exc
    found: dict[str, str] = {}
    by_oid = {oid: key for key, oid in ATTRIBUTE_OIDS.items()}
    for other in san.get_values_for_type(x509.OtherName):
        key = by_oid.get(other.type_id)
        if key is not None:
            found[key] = parse_der_utf8(other.value)
    if set(found) != set(ATTRIBUTE_OIDS):
        raise ValueError("attributes missing")
    raw_birth = found["birth_date"]
    birth = dt.date(int(raw_birth[:4]), int(raw_birth[4:6]), int(raw_birth[6:8]))
    return {
        "name": found["name"],
        "birth_date": birth.isoformat(),
        "sex": SEX_FROM_CODE.get(found["sex"], ""),
        "address": found["address"],
    }


# --- keys --------------------------------------------------------------------------


def generate_key(key_type: str = "rsa") -> PrivateKey:
    """RSA-2048 (as on real cards) or EC P-256 (fast, for tests)."""
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"key_type must be 'rsa' or 'ec', not {key_type!r}")


def _seal(key: PrivateKey) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return field_crypto.encrypt(pem)


def _unseal(token: str) -> PrivateKey:
    key = serialization.load_pem_private_key(field_crypto.decrypt(token).encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    return key


def sign_bytes(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def challenge_message(nonce: str, origin: str) -> bytes:
    """The exact bytes a card signs for a challenge (the verifier rebuilds them)."""
    return b"\n".join([SIGNING_CONTEXT, origin.encode(), nonce.encode()])


# --- the certification authority ---------------------------------------------------


def create_ca(
    name: str, *, trusted: bool, key_type: str = "rsa", valid_days: int = 3650
) -> CertificateAuthority:
    """A self-signed CA (keyCertSign, cRLSign) with an empty, signed CRL."""
    key = generate_key(key_type)
    now = timezone.now()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Mado JPKI Simulator (simulated)"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    ca = CertificateAuthority.objects.create(
        name=name,
        trusted=trusted,
        key_encrypted=_seal(key),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
    )
    publish_crl(ca)
    return ca


def ca_certificate(ca: CertificateAuthority) -> x509.Certificate:
    return x509.load_pem_x509_certificate(ca.certificate_pem.encode())


def publish_crl(
    ca: CertificateAuthority,
    *,
    now: dt.datetime | None = None,
    validity: dt.timedelta = CRL_VALIDITY,
) -> x509.CertificateRevocationList:
    """Sign and store a new CRL with every revoked serial; bumps the CRL number."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = CertificateAuthority.objects.select_for_update().get(pk=ca.pk)
        locked.crl_number += 1
        cert = ca_certificate(locked)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(cert.subject)
            .last_update(now)
            .next_update(now + validity)
            .add_extension(x509.CRLNumber(locked.crl_number), critical=False)
        )
        for entry in RevokedCertificate.objects.filter(ca=locked).order_by("pk"):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(int(entry.serial))
                .revocation_date(entry.revoked_at)
                .build()
            )
        crl = builder.sign(_unseal(locked.key_encrypted), hashes.SHA256())
        locked.crl_pem = crl.public_bytes(serialization.Encoding.PEM).decode()
        locked.save(update_fields=["crl_number", "crl_pem"])
    ca.crl_number, ca.crl_pem = locked.crl_number, locked.crl_pem
    return crl


def current_crl(
    ca: CertificateAuthority | None = None, *, now: dt.datetime | None = None
) -> x509.CertificateRevocationList:
    """The CA's CRL distribution point: the last published CRL.

    The simulated CA republishes on its schedule (every ``CRL_REPUBLISH_AFTER``)
    when asked; with ``crl_auto_publish`` off it stops, as a CA that failed to
    publish would, and verifiers start refusing once ``nextUpdate`` has passed.
    """
    if ca is None:
        ca = CertificateAuthority.objects.filter(trusted=True).order_by("pk").first()
        if ca is None:
            raise LookupError("no trusted CA configured")
    ca.refresh_from_db(fields=["crl_pem", "crl_number", "crl_auto_publish"])
    now = now or timezone.now()
    if not ca.crl_pem:
        return publish_crl(ca, now=now)
    crl = x509.load_pem_x509_crl(ca.crl_pem.encode())
    if ca.crl_auto_publish and now - crl.last_update_utc >= CRL_REPUBLISH_AFTER:
        return publish_crl(ca, now=now)
    return crl


def revoke_card(card: DemoCard, reason: str = "", *, when: dt.datetime | None = None) -> None:
    """失効: add the card's certificate to its CA's CRL and publish a new CRL."""
    RevokedCertificate.objects.get_or_create(
        ca=card.ca,
        serial=card.serial,
        defaults={"reason": reason[:200], "revoked_at": when or timezone.now()},
    )
    publish_crl(card.ca)


# --- cards -------------------------------------------------------------------------


def attributes_of(resident_or_attributes: Any) -> CardAttributes:
    """The four attributes of a registry resident (住民票 as written, with 方書)."""
    if isinstance(resident_or_attributes, CardAttributes):
        return resident_or_attributes
    r = resident_or_attributes
    address = r.address + (f"　{r.address_extra}" if r.address_extra else "")
    return CardAttributes(name=r.full_name, birth_date=r.birth_date, sex=r.sex, address=address)


def normalize_pin(pin: str) -> str:
    """署名用パスワード: 6–16 letters and digits; letters are read as upper case."""
    cleaned = (pin or "").strip().upper()
    if not PIN_RE.match(cleaned):
        raise IdentityError("bad_pin_format")
    return cleaned


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def issue_card(
    resident_or_attributes: Any,
    *,
    ca: CertificateAuthority,
    municipality: Municipality,
    valid_days: int | None = None,
    not_before: dt.datetime | None = None,
    card_expires: dt.date | None = None,
    key_type: str = "rsa",
    pin: str = DEMO_PIN,
    pin_hash: str = "",
    label: str = "",
    kind: str = "normal",
) -> DemoCard:
    """Issue a demo card: a key pair in the card and a 署名用電子証明書 from ``ca``.

    ``pin_hash`` may carry ``make_password(normalize_pin(pin))`` computed once by
    the caller, when many cards get the same published demo PIN (hashing costs
    ~0.3 s a card); it is trusted as given.
    """
    attrs = attributes_of(resident_or_attributes)
    pin_clean = normalize_pin(pin)
    key = generate_key(key_type)
    ca_key = _unseal(ca.key_encrypted)
    ca_cert = ca_certificate(ca)
    start = not_before or timezone.now()
    card_expires = card_expires or _add_years(start.date(), CARD_YEARS)
    end = start + dt.timedelta(days=valid_days or SIGNATURE_CERT_YEARS * 365)
    card_end = dt.datetime.combine(card_expires, dt.time(23, 59, 59), tzinfo=dt.UTC)
    end = min(end, card_end)  # never past the card's own expiry
    serial = x509.random_serial_number()
    san = x509.SubjectAlternativeName(
        [
            x509.OtherName(OID_NAME, der_utf8(attrs.name)),
            x509.OtherName(OID_BIRTH_DATE, der_utf8(attrs.birth_date.strftime("%Y%m%d"))),
            x509.OtherName(OID_SEX, der_utf8(SEX_CODES.get(attrs.sex, "3"))),
            x509.OtherName(OID_ADDRESS, der_utf8(attrs.address)),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                    x509.NameAttribute(NameOID.COMMON_NAME, f"SIMULATED-{serial:040X}"[:64]),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(san, critical=False)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(OID_POLICY_SIMULATED, None)]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return DemoCard.unscoped.create(
        municipality=municipality,
        label=label or attrs.name,
        kind=kind,
        resident=resident_or_attributes if hasattr(resident_or_attributes, "pk") else None,
        ca=ca,
        serial=str(serial),
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_encrypted=_seal(key),
        pin_hash=pin_hash or make_password(pin_clean),
        card_expires=card_expires,
    )


def card_sign(card: DemoCard, pin: str, challenge: Any) -> SignedResponse:
    """The card's side: check the signature PIN, then sign the challenge with the card key.

    ``challenge`` needs ``nonce`` and ``origin`` (what the browser was given). A
    wrong PIN counts toward the lock even though an exception is raised; the
    fifth wrong PIN locks the card, and a locked card refuses even the right PIN.
    """
    pin_clean = normalize_pin(pin)
    # Decide inside the transaction, raise after it: the counter must be committed.
    error: IdentityError | None = None
    with transaction.atomic():
        row = DemoCard.unscoped.select_for_update().get(pk=card.pk)
        if row.locked:
            error = IdentityError("pin_locked")
        elif not check_password(pin_clean, row.pin_hash):
            DemoCard.unscoped.filter(pk=row.pk).update(failed_pin_count=F("failed_pin_count") + 1)
            card.failed_pin_count = row.failed_pin_count + 1
            left = PIN_MAX_TRIES - card.failed_pin_count
            if left <= 0:
                error = IdentityError("pin_locked")
            else:
                error = IdentityError(
                    "wrong_pin", f"あと{left}回間違えるとロックされます", f"{left} tries left"
                )
        elif row.failed_pin_count:
            DemoCard.unscoped.filter(pk=row.pk).update(failed_pin_count=0)
            card.failed_pin_count = 0
    if error is not None:
        raise error
    signature = sign_bytes(
        _unseal(row.key_encrypted), challenge_message(challenge.nonce, challenge.origin)
    )
    return SignedResponse(cert_pem=row.certificate_pem, signature=signature)
