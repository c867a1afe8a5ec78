"""Shared pytest fixtures: two municipalities, departments, staff with roles, residents.

Tests build small worlds explicitly (no dependency on the demo seed) so that
each assertion is about behaviour, not about what the generator happened to make.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from hypothesis import settings as hypothesis_settings

from mado.core.models import Department, Municipality, StaffMembership, StaffProfile
from mado.registry import services as registry
from mado.registry.models import Household, ResidentRecord, ResidentSearchToken

_counter = itertools.count(1)

# Property tests check behaviour, not speed (speed is `make bench`): a CI machine
# busy with other jobs must not fail one because an example took > 200 ms.
hypothesis_settings.register_profile("mado", deadline=None)
hypothesis_settings.load_profile("mado")


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every API submission completed right after its commit, so tests see its case
    # at once; the batching itself is tested in submissions/tests/test_completion.py.
    settings.MADO_SUBMISSION_BATCH = 1


@pytest.fixture(autouse=True)
def _fresh_host_cache() -> Any:
    """Each test's database starts empty: forget municipalities cached by an earlier test."""
    from mado.apply.engine import clear_form_cache
    from mado.core.middleware import clear_host_cache
    from mado.core.ratelimit import reset as reset_rate_limits

    clear_host_cache()
    clear_form_cache()
    reset_rate_limits()
    yield
    clear_host_cache()
    clear_form_cache()
    reset_rate_limits()


@pytest.fixture(autouse=True)
def _reset_language() -> Any:
    """A request served in English must not leave English active for the next test."""
    from django.utils import translation

    yield
    translation.activate("ja")


@pytest.fixture
def sample_city(db: Any) -> Municipality:
    return Municipality.objects.create(code="129992", name="サンプル市", prefecture="千葉県")


@pytest.fixture
def test_town(db: Any) -> Municipality:
    return Municipality.objects.create(code="129984", name="テスト町", prefecture="千葉県")


def make_department(municipality: Municipality, code: str, name: str) -> Department:
    return Department.unscoped.create(municipality=municipality, code=code, name=name)


def make_staff(
    municipality: Municipality, username: str, roles: list[tuple[Department, str]] = ()
) -> Any:
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-only")
    StaffProfile.objects.create(user=user, municipality=municipality, display_name=username)
    for dept, role in roles:
        StaffMembership.unscoped.create(
            municipality=municipality, user=user, department=dept, role=role
        )
    return user


def make_resident(
    municipality: Municipality,
    family_name: str,
    given_name: str,
    family_kana: str,
    given_kana: str,
    *,
    birth_date: dt.date = dt.date(1980, 4, 1),
    household: Household | None = None,
    relationship: str = "世帯主",
    sex: str = "M",
    my_number: str = "",
    **extra: Any,
) -> ResidentRecord:
    n = next(_counter)
    if household is None:
        household = Household.unscoped.create(
            municipality=municipality, household_number=f"H{n:08d}"
        )
    r = ResidentRecord(
        municipality=municipality,
        atena_number=f"A{n:09d}",
        household=household,
        relationship=relationship,
        family_name=family_name,
        given_name=given_name,
        family_name_kana=family_kana,
        given_name_kana=given_kana,
        birth_date=birth_date,
        sex=sex,
        postal_code="2970022",
        address="千葉県茂原市町保1番地",
        address_since=dt.date(2010, 4, 1),
        resident_since=dt.date(2010, 4, 1),
        **extra,
    )
    if my_number:
        r.my_number_encrypted, r.my_number_hash = registry.encrypt_my_number(my_number)
    r.save()
    ResidentSearchToken.objects.bulk_create(registry.build_search_tokens(r))
    return r


@pytest.fixture
def world(sample_city: Municipality, test_town: Municipality) -> dict[str, Any]:
    """サンプル市 and テスト町 with staff, departments and a few residents each."""
    shimin = make_department(sample_city, "shimin", "市民課")
    hoken = make_department(sample_city, "hoken", "保険年金課")
    town_dept = make_department(test_town, "jumin", "住民課")
    madoguchi = make_staff(sample_city, "madoguchi", [(shimin, "counter"), (shimin, "my_number")])
    hoken_user = make_staff(sample_city, "hoken", [(hoken, "reviewer")])
    town_user = make_staff(test_town, "test-madoguchi", [(town_dept, "counter")])
    takahashi = make_resident(
        sample_city, "髙橋", "太郎", "タカハシ", "タロウ", my_number="123456789018"
    )
    hanako = make_resident(
        sample_city,
        "髙橋",
        "花子",
        "タカハシ",
        "ハナコ",
        household=takahashi.household,
        relationship="妻",
        sex="F",
        birth_date=dt.date(1982, 7, 7),
    )
    yamazaki = make_resident(
        sample_city, "山﨑", "次郎", "ヤマザキ", "ジロウ", birth_date=dt.date(1990, 1, 8)
    )
    watanabe = make_resident(sample_city, "渡邊", "三郎", "ワタナベ", "サブロウ")
    town_takahashi = make_resident(test_town, "高橋", "一郎", "タカハシ", "イチロウ")
    return {
        "city": sample_city,
        "town": test_town,
        "shimin": shimin,
        "hoken_dept": hoken,
        "madoguchi": madoguchi,
        "hoken": hoken_user,
        "town_user": town_user,
        "takahashi": takahashi,
        "hanako": hanako,
        "yamazaki": yamazaki,
        "watanabe": watanabe,
        "town_takahashi": town_takahashi,
    }
