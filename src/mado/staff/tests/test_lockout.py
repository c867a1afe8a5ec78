"""Login throttling: 5 failures lock an account name, 20 an address; no enumeration."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mado.core.models import AuditEntry
from mado.staff import throttle
from mado.staff.models import LoginThrottle

pytestmark = pytest.mark.django_db
LOGIN = "staff:login"


def attempt(
    client: Client, username: str, password: str = "wrong-password", ip: str = "10.0.0.1"  # noqa: S107
) -> Any:
    return client.post(
        reverse(LOGIN), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_five_failures_lock_the_account_even_with_the_right_password(
    world: dict[str, Any],
) -> None:
    client = Client()
    for _ in range(4):
        assert attempt(client, "madoguchi").status_code == 200
    fifth = attempt(client, "madoguchi")
    assert fifth.status_code == 429
    body = fifth.content.decode()
    assert "一時的にログインできません" in body and "Too many failed sign-ins" in body
    assert int(fifth["Retry-After"]) > 800
    right = attempt(client, "madoguchi", "pw-for-tests-only", ip="10.0.0.2")
    assert right.status_code == 429  # locked from any address
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action=throttle.LOGIN_LOCKED)
    assert entry.actor == "madoguchi" and entry.municipality == world["city"]
    assert entry.detail["locked"] == ["account"]


def test_unknown_and_known_names_get_the_same_answers(world: dict[str, Any]) -> None:
    known = [attempt(Client(), "madoguchi").status_code for _ in range(5)]
    unknown = [attempt(Client(), "no-such-person").status_code for _ in range(5)]
    assert known == unknown == [200, 200, 200, 200, 429]


def test_the_lock_ends_after_its_time(world: dict[str, Any]) -> None:
    client = Client()
    for _ in range(5):
        attempt(client, "madoguchi")
    LoginThrottle.objects.filter(key=throttle.account_key("madoguchi")).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    response = attempt(client, "madoguchi", "pw-for-tests-only")
    assert response.status_code == 302
    assert not LoginThrottle.objects.filter(key=throttle.account_key("madoguchi")).exists()


def test_one_address_trying_many_accounts_is_locked(world: dict[str, Any]) -> None:
    client = Client()
    statuses = [attempt(client, f"user{i}", ip="192.0.2.9").status_code for i in range(20)]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}
    # Another address is not affected.
    assert attempt(client, "madoguchi", "pw-for-tests-only", ip="192.0.2.10").status_code == 302


def test_failures_outside_the_window_do_not_add_up(world: dict[str, Any]) -> None:
    client = Client()
    for _ in range(4):
        attempt(client, "madoguchi")
    LoginThrottle.objects.update(window_start=timezone.now() - dt.timedelta(hours=1))
    assert attempt(client, "madoguchi").status_code == 200


def test_wrong_codes_count_towards_the_lock(world: dict[str, Any]) -> None:
    from mado.staff.tests.test_twofactor import enrolled

    enrolled(world["madoguchi"])
    client = Client()
    client.post(reverse(LOGIN), {"username": "madoguchi", "password": "pw-for-tests-only"})
    statuses = [
        client.post(reverse("staff:login_verify"), {"code": "000000"}).status_code for _ in range(5)
    ]
    assert statuses == [400, 400, 400, 400, 429]
    assert AuditEntry.objects.filter(action=throttle.LOGIN_LOCKED, detail__stage="totp").exists()
