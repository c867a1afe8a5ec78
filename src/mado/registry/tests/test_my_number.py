"""個人番号: check digit, encryption at rest, role-gated audited reveal, blind-index lookup."""

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import strategies as st

from mado.core.models import AuditEntry
from mado.registry import my_number as mn
from mado.registry import services
from mado.registry.models import ResidentRecord


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_generated_numbers_validate_and_typos_fail(first: str) -> None:
    number = first + str(mn.check_digit(first))
    assert mn.normalize(number) == number
    assert mn.normalize(f"{number[:4]} {number[4:8]}-{number[8:]}") == number
    wrong = number[:11] + str((int(number[11]) + 1) % 10)
    with pytest.raises(mn.MyNumberError):
        mn.normalize(wrong)


def test_encrypted_at_rest_and_found_by_hash(world) -> None:
    raw = ResidentRecord.unscoped.values_list("my_number_encrypted", flat=True).get(
        pk=world["takahashi"].pk
    )
    assert raw and "123456789018" not in raw
    assert mn.decrypt(raw) == "123456789018"
    found = services.find_by_my_number(world["city"], "1234 5678 9018")
    assert found == world["takahashi"]
    assert services.find_by_my_number(world["town"], "123456789018") is None


def test_reveal_only_for_my_number_role_and_audited(world) -> None:
    r = world["takahashi"]
    assert (
        services.reveal_my_number(r, user=world["madoguchi"], reason="児童手当の申請")
        == "123456789018"
    )
    e = AuditEntry.objects.order_by("-id").first()
    assert (e.action, e.detail["granted"], e.reason) == ("read_my_number", True, "児童手当の申請")
    with pytest.raises(PermissionDenied):
        services.reveal_my_number(r, user=world["hoken"], reason="見たい")
    e = AuditEntry.objects.order_by("-id").first()
    assert (e.actor, e.detail["granted"]) == ("hoken", False)
    with pytest.raises(PermissionDenied):
        services.reveal_my_number(r, user=world["madoguchi"], reason="  ")


def test_key_rotation_old_ciphertexts_still_decrypt(world, settings) -> None:
    from cryptography.fernet import Fernet

    old = Fernet.generate_key().decode()
    settings.MADO_FIELD_KEYS = [old]
    token = mn.encrypt("123456789018")
    settings.MADO_FIELD_KEYS = [Fernet.generate_key().decode(), old]
    assert mn.decrypt(token) == "123456789018"
    settings.MADO_FIELD_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(mn.MyNumberError):
        mn.decrypt(token)


def test_rotate_field_keys_command_lets_old_key_go(world, settings) -> None:
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MADO_FIELD_KEYS = [old]
    settings.MADO_LOOKUP_KEY = "lookup-key-for-tests"
    services.set_my_number(world["takahashi"], "123456789018", user=world["madoguchi"], reason="t")
    settings.MADO_FIELD_KEYS = [new, old]
    call_command("rotate_field_keys")
    settings.MADO_FIELD_KEYS = [new]  # the old key is retired
    r = ResidentRecord.unscoped.get(pk=world["takahashi"].pk)
    assert mn.decrypt(r.my_number_encrypted) == "123456789018"
    assert services.find_by_my_number(world["city"], "123456789018") == r
