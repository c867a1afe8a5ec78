"""E-mail link sign-in: signed, expiring, single-use, rate-limited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from mado.core.tenancy import use_municipality
from mado.identity import services
from mado.identity.base import IdentityError
from mado.identity.models import EmailLink


def code_of(fn: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(IdentityError) as info:
        fn(*args, **kwargs)
    return info.value.code


def test_link_signs_in_once(sample_city):
    token = services.make_link_token(
        "Taro@Example.JP", municipality=sample_city, next_url="/apply/x/"
    )
    identity, next_url = services.redeem(token)
    assert identity["level"] == "email"
    assert identity["email"] == identity["subject"] == "Taro@example.jp"
    assert identity["name"] == "" and identity["resident_id"] is None
    assert next_url == "/apply/x/"
    assert code_of(services.redeem, token) == "link_used"
    assert code_of(services.read_link, token) == "link_used"


def test_address_is_not_stored_in_clear(sample_city):
    services.make_link_token("hanako@example.jp", municipality=sample_city)
    row = EmailLink.objects.get()
    assert "hanako" not in row.address_hash and len(row.address_hash) == 64


def test_expired_link(sample_city):
    token = services.make_link_token("taro@example.jp", municipality=sample_city)
    later = timezone.now() + dt.timedelta(minutes=31)
    assert code_of(services.redeem, token, now=later) == "link_expired"


def test_tampered_link(sample_city):
    token = services.make_link_token("taro@example.jp", municipality=sample_city)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert code_of(services.redeem, forged) == "link_invalid"
    assert code_of(services.redeem, "garbage") == "link_invalid"


def test_rate_limit_five_per_address_per_hour(sample_city):
    for _ in range(5):
        services.make_link_token("taro@example.jp", municipality=sample_city)
    assert (
        code_of(services.make_link_token, "taro@EXAMPLE.jp", municipality=sample_city)
        == "rate_limited"
    )
    services.make_link_token(
        "someone-else@example.jp", municipality=sample_city
    )  # other addresses unaffected
    EmailLink.objects.update(created_at=timezone.now() - dt.timedelta(hours=1, minutes=1))
    services.make_link_token(
        "taro@example.jp", municipality=sample_city
    )  # an hour later: allowed again


def test_bad_address(sample_city):
    assert (
        code_of(services.make_link_token, "not-an-address", municipality=sample_city) == "bad_email"
    )
    assert not EmailLink.objects.exists()


def test_send_link_mails_the_url(sample_city):
    services.send_link(
        "taro@example.jp",
        link_url_for=lambda t: f"http://testserver/id/email/{t}/",
        municipality=sample_city,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["taro@example.jp"]
    assert "http://testserver/id/email/" in message.body and "30分" in message.body
    assert "サンプル市" in message.subject


def test_link_of_another_municipality_is_refused(sample_city, test_town):
    token = services.make_link_token("taro@example.jp", municipality=sample_city)
    with use_municipality(test_town):
        assert code_of(services.redeem, token) == "link_invalid"
    identity, _ = services.redeem(token)
    assert identity["municipality"] == "129992"
