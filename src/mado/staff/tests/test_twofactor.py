"""Staff two-factor sign-in: enrolment, the code step, recovery codes, required mode."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from mado.core.models import AuditEntry
from mado.registry import my_number as field_crypto
from mado.staff import twofactor
from mado.staff.login_views import PENDING
from mado.staff.models import RecoveryCode, TwoFactorDevice

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-only"


def enrolled(user: Any) -> tuple[pyotp.TOTP, list[str]]:
    device = twofactor.start_enrolment(user)
    totp = pyotp.TOTP(field_crypto.decrypt(device.secret_encrypted))
    codes = twofactor.confirm_enrolment(device, totp.at(time.time() - 30))
    assert codes is not None
    return totp, codes


def password_step(client: Client, username: str = "madoguchi") -> Any:
    return client.post(reverse("staff:login"), {"username": username, "password": PASSWORD})


def test_demo_style_login_without_device_is_one_step(world: dict[str, Any]) -> None:
    client = Client()
    response = password_step(client)
    assert response["Location"] == reverse("staff:home")
    assert client.get(reverse("staff:home")).status_code == 200


def test_enrolled_account_needs_its_code(world: dict[str, Any]) -> None:
    totp, _ = enrolled(world["madoguchi"])
    client = Client()
    response = password_step(client)
    assert response["Location"] == reverse("staff:login_verify")
    # The password alone opens nothing.
    assert client.get(reverse("staff:home")).status_code == 302
    wrong = client.post(reverse("staff:login_verify"), {"code": "000000"})
    assert wrong.status_code == 400
    assert "コードが正しくありません" in wrong.content.decode()
    assert AuditEntry.objects.filter(action="two_factor_failed", actor="madoguchi").exists()
    ok = client.post(reverse("staff:login_verify"), {"code": totp.now()})
    assert ok.status_code == 302 and ok["Location"] == reverse("staff:home")
    assert client.get(reverse("staff:home")).status_code == 200


def test_a_code_is_accepted_only_once(world: dict[str, Any]) -> None:
    totp, _ = enrolled(world["madoguchi"])
    device = twofactor.device_of(world["madoguchi"])
    code = totp.now()
    assert twofactor.verify_code(device, code)
    assert not twofactor.verify_code(device, code)


def test_session_key_rotates_at_each_step(world: dict[str, Any]) -> None:
    totp, _ = enrolled(world["madoguchi"])
    client = Client()
    client.get(reverse("staff:login"))
    client.session.save()
    before = client.session.session_key
    password_step(client)
    middle = client.session.session_key
    client.post(reverse("staff:login_verify"), {"code": totp.now()})
    after = client.session.session_key
    assert len({before, middle, after}) == 3


def test_recovery_codes_are_hashed_and_single_use(world: dict[str, Any]) -> None:
    _, codes = enrolled(world["madoguchi"])
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = list(RecoveryCode.objects.filter(user=world["madoguchi"]))
    assert all(c.replace("-", "") not in (r.code_hash + r.salt) for r in stored for c in codes)
    client = Client()
    password_step(client)
    response = client.post(reverse("staff:login_verify"), {"code": codes[0].lower()})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="recovery_code_used").exists()
    assert not twofactor.use_recovery_code(world["madoguchi"], codes[0])
    assert twofactor.remaining_recovery_codes(world["madoguchi"]) == 9


def test_the_secret_is_stored_encrypted(world: dict[str, Any]) -> None:
    device = twofactor.start_enrolment(world["madoguchi"])
    secret = twofactor.secret_text(device).replace(" ", "")
    assert secret not in TwoFactorDevice.objects.get(pk=device.pk).secret_encrypted
    assert len(secret) >= 32  # 160 bits of base32


def test_voluntary_enrolment_page_shows_qr_and_secret(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["madoguchi"])
    page = client.get(reverse("staff:twofactor_enrol"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and "style=" not in body and "<script" not in body
    secret = re.search(r'twofactor-secret" lang="en">([A-Z2-7 ]+)<', body).group(1)
    totp = pyotp.TOTP(secret.replace(" ", ""))
    bad = client.post(reverse("staff:twofactor_enrol"), {"code": "123456"})
    assert bad.status_code == 400
    done = client.post(reverse("staff:twofactor_enrol"), {"code": totp.now()})
    assert done.status_code == 200
    assert len(re.findall(r"<li><code lang=\"en\">[A-Z0-9-]{19}</code></li>", done.content.decode())) == 10
    assert twofactor.is_enrolled(world["madoguchi"])
    assert AuditEntry.objects.filter(action="two_factor_enrolled").exists()


def test_required_mode_enrols_during_sign_in(world: dict[str, Any], settings: Any) -> None:
    settings.MADO_REQUIRE_2FA = True
    client = Client()
    response = password_step(client)
    assert response["Location"] == reverse("staff:twofactor_enrol")
    assert client.get(reverse("staff:home")).status_code == 302
    body = client.get(reverse("staff:twofactor_enrol")).content.decode()
    secret = re.search(r'twofactor-secret" lang="en">([A-Z2-7 ]+)<', body).group(1)
    done = client.post(
        reverse("staff:twofactor_enrol"), {"code": pyotp.TOTP(secret.replace(" ", "")).now()}
    )
    assert done.status_code == 200
    assert PENDING not in client.session
    assert client.get(reverse("staff:home")).status_code == 200


def test_required_mode_signs_out_sessions_without_code(world: dict[str, Any], settings: Any) -> None:
    settings.MADO_REQUIRE_2FA = True
    client = Client()
    client.force_login(world["madoguchi"])  # a session that never passed a code
    response = client.get(reverse("staff:home"))
    assert response.status_code == 302 and response["Location"] == reverse("staff:login")
    assert "_auth_user_id" not in client.session


def test_pending_step_expires(world: dict[str, Any]) -> None:
    enrolled(world["madoguchi"])
    client = Client()
    password_step(client)
    session = client.session
    note = session[PENDING]
    note["at"] = time.time() - 3600
    session[PENDING] = note
    session.save()
    response = client.get(reverse("staff:login_verify"))
    assert response["Location"] == reverse("staff:login")


def test_admin_login_goes_through_staff_sign_in(world: dict[str, Any]) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:login") + "?next=")


def test_settings_page_renews_recovery_codes_with_a_code(world: dict[str, Any]) -> None:
    totp, old = enrolled(world["madoguchi"])
    client = Client()
    client.force_login(world["madoguchi"])
    refused = client.post(reverse("staff:twofactor"), {"code": "111111", "action": "recovery"})
    assert refused.status_code == 400
    ok = client.post(reverse("staff:twofactor"), {"code": totp.now(), "action": "recovery"})
    assert ok.status_code == 200
    assert not twofactor.use_recovery_code(world["madoguchi"], old[1])
