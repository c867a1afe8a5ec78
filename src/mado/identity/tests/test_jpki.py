"""The JPKI simulator and verifier enforce the rules a real relying party enforces."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from django.utils import timezone

from mado.core.tenancy import use_municipality
from mado.identity import jpki, services
from mado.identity.base import IdentityError
from mado.identity.jpki import CardAttributes, ChallengeData, SignedResponse
from mado.identity.models import PIN_MAX_TRIES, DemoCard
from mado.identity.tests.conftest import ORIGIN

PIN = jpki.DEMO_PIN


def sign_in_with(card: DemoCard, municipality: Any, *, pin: str = PIN, origin: str = ORIGIN):
    challenge = services.start_challenge(origin=ORIGIN, municipality=municipality)
    response = services.card_sign(card, pin, ChallengeData(challenge.nonce, origin))
    return response, challenge


def refused(code: str, response: SignedResponse, challenge_id: Any, **kw: Any) -> IdentityError:
    with pytest.raises(IdentityError) as info:
        services.verify(response, challenge_id, **kw)
    assert info.value.code == code, info.value
    return info.value


def test_happy_path_attributes_come_from_the_certificate(world: dict[str, Any], card: DemoCard):
    response, challenge = sign_in_with(card, world["city"])
    identity = services.verify(response, challenge.id)
    assert identity["level"] == "card"
    assert identity["name"] == "髙橋　太郎"
    assert identity["birth_date"] == "1980-04-01"
    assert identity["sex"] == "M"
    assert identity["address"] == "千葉県茂原市町保1番地"
    assert identity["subject"] == card.serial
    assert identity["resident_id"] == world["takahashi"].pk
    assert identity["municipality"] == "129992"


def test_certificate_fields_follow_the_signature_certificate(world: dict[str, Any], card):
    cert = x509.load_pem_x509_certificate(card.certificate_pem.encode())
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.issuer == jpki.ca_certificate(card.ca).subject
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365
    assert 4.9 < years <= 5.01
    # The private key is stored only encrypted.
    assert "PRIVATE KEY" not in card.key_encrypted


def test_signature_certificate_never_outlives_the_card(world: dict[str, Any], ca):
    expires = timezone.now().date() + dt.timedelta(days=400)
    card = jpki.issue_card(
        world["hanako"], ca=ca, municipality=world["city"], key_type="ec", card_expires=expires
    )
    cert = x509.load_pem_x509_certificate(card.certificate_pem.encode())
    assert cert.not_valid_after_utc.date() == expires


def test_rare_characters_survive_and_unknown_person_has_no_resident(world, ca):
    attrs = CardAttributes(
        "𠮷野　髙﨑", dt.date(1975, 2, 28), "F", "千葉県サンプル市𠮷田町1-2　ハイツ髙"
    )
    card = jpki.issue_card(attrs, ca=ca, municipality=world["city"], key_type="ec")
    response, challenge = sign_in_with(card, world["city"])
    identity = services.verify(response, challenge.id)
    assert identity["name"] == "𠮷野　髙﨑"
    assert identity["address"] == "千葉県サンプル市𠮷田町1-2　ハイツ髙"
    assert identity["birth_date"] == "1975-02-28" and identity["sex"] == "F"
    assert identity["resident_id"] is None


def test_resident_match_needs_the_exact_name_not_a_variant(world, ca):
    # 高橋 (not 髙橋) with the same birth date and address is not the registry's 髙橋 太郎.
    attrs = CardAttributes("高橋　太郎", dt.date(1980, 4, 1), "M", "千葉県茂原市町保1番地")
    card = jpki.issue_card(attrs, ca=ca, municipality=world["city"], key_type="ec")
    response, challenge = sign_in_with(card, world["city"])
    assert services.verify(response, challenge.id)["resident_id"] is None


def test_rsa_2048_card_as_on_real_cards(world, ca):
    card = jpki.issue_card(world["yamazaki"], ca=ca, municipality=world["city"], key_type="rsa")
    cert = x509.load_pem_x509_certificate(card.certificate_pem.encode())
    assert cert.public_key().key_size == 2048
    response, challenge = sign_in_with(card, world["city"])
    assert services.verify(response, challenge.id)["resident_id"] == world["yamazaki"].pk


def test_wrong_pin_counts_and_right_pin_resets(world, card):
    challenge = services.start_challenge(origin=ORIGIN, municipality=card.municipality)
    with pytest.raises(IdentityError) as info:
        services.card_sign(card, "9999zzzz", challenge)
    assert info.value.code == "wrong_pin"
    assert "4" in info.value.message and info.value.status == 400
    card.refresh_from_db()
    assert card.failed_pin_count == 1
    services.card_sign(card, PIN.upper(), challenge)  # letters are case-insensitive
    card.refresh_from_db()
    assert card.failed_pin_count == 0


def test_five_wrong_pins_lock_the_card(world, card):
    challenge = services.start_challenge(origin=ORIGIN, municipality=card.municipality)
    codes = []
    for _ in range(PIN_MAX_TRIES):
        with pytest.raises(IdentityError) as info:
            services.card_sign(card, "0000aaaa", challenge)
        codes.append(info.value.code)
    assert codes == ["wrong_pin"] * 4 + ["pin_locked"]
    card.refresh_from_db()
    assert card.locked
    with pytest.raises(IdentityError) as info:
        services.card_sign(card, PIN, challenge)  # even the right PIN
    assert info.value.code == "pin_locked" and info.value.status == 403


@pytest.mark.parametrize("pin", ["", "12345", "1234567890abcdefg", "1234 abcd", "１２３４ａｂｃｄ"])
def test_pin_format(card, pin):
    with pytest.raises(IdentityError) as info:
        services.card_sign(card, pin, ChallengeData("00", ORIGIN))
    assert info.value.code == "bad_pin_format"
    card.refresh_from_db()
    assert card.failed_pin_count == 0


def test_expired_certificate_refused(world, ca):
    card = jpki.issue_card(
        world["hanako"],
        ca=ca,
        municipality=world["city"],
        key_type="ec",
        not_before=timezone.now() - dt.timedelta(days=6 * 365),
    )
    response, challenge = sign_in_with(card, world["city"])
    err = refused("expired", response, challenge.id)
    assert (
        err.message.startswith("この電子証明書は有効期限が切れています") and "/ This" in err.message
    )


def test_not_yet_valid_certificate_refused(world, ca):
    card = jpki.issue_card(
        world["hanako"],
        ca=ca,
        municipality=world["city"],
        key_type="ec",
        not_before=timezone.now() + dt.timedelta(days=1),
    )
    response, challenge = sign_in_with(card, world["city"])
    refused("not_yet_valid", response, challenge.id)


def test_revoked_card_refused_and_crl_signed(world, ca, card):
    before = ca.crl_number
    jpki.revoke_card(card, "紛失")
    ca.refresh_from_db()
    assert ca.crl_number == before + 1
    crl = services.current_crl(ca)
    assert crl.is_signature_valid(jpki.ca_certificate(ca).public_key())
    assert crl.get_revoked_certificate_by_serial_number(int(card.serial)) is not None
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == before + 1
    response, challenge = sign_in_with(card, world["city"])
    refused("revoked", response, challenge.id)


def test_foreign_ca_refused(world, foreign):
    card = jpki.issue_card(
        world["takahashi"], ca=foreign, municipality=world["city"], key_type="ec"
    )
    response, challenge = sign_in_with(card, world["city"])
    refused("unknown_ca", response, challenge.id)


def test_tampered_signature_refused(world, card):
    response, challenge = sign_in_with(card, world["city"])
    sig = bytearray(response.signature)
    sig[10] ^= 0x01
    refused("bad_signature", SignedResponse(response.cert_pem, bytes(sig)), challenge.id)


def test_signature_for_another_origin_refused(world, card):
    # The card signed what a phishing site showed it: wrong origin, refused.
    response, challenge = sign_in_with(card, world["city"], origin="https://evil.example")
    refused("bad_signature", response, challenge.id)


def test_another_cards_signature_refused(world, ca, card):
    other = jpki.issue_card(world["hanako"], ca=ca, municipality=world["city"], key_type="ec")
    response, challenge = sign_in_with(other, world["city"])
    refused("bad_signature", SignedResponse(card.certificate_pem, response.signature), challenge.id)


def test_tampered_certificate_refused(world, card):
    cert = x509.load_pem_x509_certificate(card.certificate_pem.encode())
    der = cert.public_bytes(jpki.serialization.Encoding.DER)
    old, new = "太郎".encode(), "次郎".encode()
    assert der.count(old) == 1 and len(old) == len(new)
    forged = x509.load_der_x509_certificate(der.replace(old, new))
    assert "次郎" in jpki.read_attributes(forged)["name"]  # parses: only the CA signature fails
    response, challenge = sign_in_with(card, world["city"])
    forged_pem = forged.public_bytes(jpki.serialization.Encoding.PEM).decode()
    refused("bad_certificate", SignedResponse(forged_pem, response.signature), challenge.id)


def test_garbage_certificate_refused(world, card):
    response, challenge = sign_in_with(card, world["city"])
    refused("malformed", SignedResponse("not a certificate", response.signature), challenge.id)


def test_challenge_single_use(world, card):
    response, challenge = sign_in_with(card, world["city"])
    services.verify(response, challenge.id)
    refused("challenge_reused", response, challenge.id)


def test_challenge_expires_after_five_minutes(world, card):
    response, challenge = sign_in_with(card, world["city"])
    later = timezone.now() + dt.timedelta(minutes=5, seconds=1)
    refused("challenge_expired", response, challenge.id, now=later)


def test_unknown_challenge(world, card):
    response, _ = sign_in_with(card, world["city"])
    refused("challenge_unknown", response, "not-a-uuid")
    refused("challenge_unknown", response, "00000000-0000-4000-8000-000000000000")


def test_stale_crl_refused_when_the_ca_stops_publishing(world, ca, card):
    jpki.publish_crl(ca, now=timezone.now() - dt.timedelta(days=2))
    ca.crl_auto_publish = False
    ca.save(update_fields=["crl_auto_publish"])
    response, challenge = sign_in_with(card, world["city"])
    refused("stale_crl", response, challenge.id)
    assert not {s.key: s for s in services.check()}["jpki"].configured  # operator is told


def test_crl_republished_on_schedule(world, ca, card):
    jpki.publish_crl(ca, now=timezone.now() - dt.timedelta(days=2))
    response, challenge = sign_in_with(card, world["city"])
    assert services.verify(response, challenge.id)["level"] == "card"


def test_forged_crl_refused(world, ca, foreign, card):
    # A CRL that claims to be the trusted CA's but is signed by another key.
    forged = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(jpki.ca_certificate(ca).subject)
        .last_update(timezone.now())
        .next_update(timezone.now() + dt.timedelta(days=1))
        .sign(jpki._unseal(foreign.key_encrypted), jpki.hashes.SHA256())
    )
    ca.crl_pem = forged.public_bytes(jpki.serialization.Encoding.PEM).decode()
    ca.save(update_fields=["crl_pem"])
    response, challenge = sign_in_with(card, world["city"])
    refused("stale_crl", response, challenge.id)


def test_check_reports_each_adapter(db):
    by_key = {s.key: s for s in services.check()}
    assert not by_key["jpki"].configured and "issue_demo_cards" in by_key["jpki"].detail
    assert by_key["email"].configured
    services.demo_ca(key_type="ec")
    assert {s.key: s for s in services.check()}["jpki"].configured


def test_seed_demo_cards_is_idempotent(world):
    residents = [world["takahashi"], world["hanako"]]
    made = services.seed_demo_cards(world["city"], residents, key_type="ec")
    kinds = sorted(c.kind for c in made)
    assert kinds == ["expired", "foreign", "normal", "normal", "revoked"]
    assert services.seed_demo_cards(world["city"], residents, key_type="ec") == []
    revoked = next(c for c in made if c.kind == "revoked")
    assert services.current_crl(revoked.ca).get_revoked_certificate_by_serial_number(
        int(revoked.serial)
    )


def test_challenge_of_another_municipality_is_not_found(world, card):
    response, challenge = sign_in_with(card, world["city"])
    with use_municipality(world["town"]):
        refused("challenge_unknown", response, challenge.id)
    assert services.verify(response, challenge.id)["level"] == "card"  # still unused
