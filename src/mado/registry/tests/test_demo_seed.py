"""The synthetic demo city: a registry realistic enough to demo, test and benchmark on.

Generator tests need no database (they check the people); seeding tests check
what ``mado seed_demo`` leaves in the database, idempotency and tenant separation.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from mado.core.codes import is_valid_municipality_code
from mado.core.models import AuditEntry, Department, Municipality, StaffMembership
from mado.core.text import is_kana, lookup_postal_code
from mado.registry import my_number as mn
from mado.registry import search
from mado.registry.demo import generate
from mado.registry.demo.people import NON_TAXABLE_LIMIT
from mado.registry.models import Household, ResidentRecord, ResidentSearchToken, TaxSummary
from mado.registry.services import build_search_tokens

TODAY = dt.date(2026, 5, 1)


@pytest.fixture(scope="module")
def city5000() -> Any:
    return generate(5000, 7, today=TODAY)


def _fingerprint(city: Any) -> list[tuple[str, ...]]:
    return [
        (r.family_name, r.given_name, r.address, r.my_number, r.birth_date.isoformat())
        for r in city.residents
    ]


# -- generator ---------------------------------------------------------------


def test_same_seed_same_city_other_seed_other_city() -> None:
    a = generate(400, 11, today=TODAY)
    b = generate(400, 11, today=TODAY)
    c = generate(400, 12, today=TODAY)
    assert len(a.residents) == 400
    assert _fingerprint(a) == _fingerprint(b)
    assert _fingerprint(a) != _fingerprint(c)


def test_age_pyramid_is_that_of_an_ageing_city() -> None:
    ages = [r.age for r in generate(3000, 3, today=TODAY).residents]
    n = len(ages)
    assert 0.10 <= sum(a < 15 for a in ages) / n <= 0.145
    assert 0.26 <= sum(a >= 65 for a in ages) / n <= 0.32
    assert 0.13 <= sum(a >= 75 for a in ages) / n <= 0.17
    assert max(ages) >= 90


def test_about_three_percent_are_foreign_residents(city5000: Any) -> None:
    residents = city5000.residents
    foreign = [r for r in residents if r.is_foreign]
    assert 0.025 <= len(foreign) / len(residents) <= 0.035
    assert len({r.nationality for r in foreign}) >= 4
    for r in foreign:
        assert r.residence_status and not r.honseki and not r.hittousha
        if r.residence_status in ("永住者", "特別永住者"):
            assert r.residence_expiry is None
        else:
            assert r.residence_expiry is not None and r.residence_expiry > TODAY
    for r in residents:
        if not r.is_foreign:
            assert r.honseki and r.hittousha and not r.residence_status


def test_names_have_variant_characters_and_katakana_readings(city5000: Any) -> None:
    families = "".join(r.family_name for r in city5000.residents)
    assert "髙" in families and "﨑" in families
    assert "邊" in families or "邉" in families
    assert "齋" in families or "齊" in families
    for r in city5000.residents:
        assert is_kana(r.family_name_kana.replace(" ", "")), r.family_name_kana
        assert is_kana(r.given_name_kana.replace(" ", "")), r.given_name_kana
    takahashi = [r for r in city5000.residents if r.family_name == "髙橋"]
    assert takahashi and all(r.family_name_kana == "タカハシ" for r in takahashi)


def test_several_takahashi_with_the_old_character_even_in_a_small_town() -> None:
    city = generate(300, 99, today=TODAY)
    households = {
        h.number for h in city.households if any(r.family_name == "髙橋" for r in h.members)
    }
    assert len(households) >= 3


def test_addresses_use_real_postal_codes_of_the_town() -> None:
    city = generate(600, 5, today=TODAY)
    for hh in city.households:
        r = hh.members[0]
        assert len(r.postal_code) == 7 and r.postal_code.isdigit()
        assert r.address.startswith("千葉県茂原市")
        towns = {a.town for a in lookup_postal_code(r.postal_code) if a.city == "茂原市"}
        assert any(r.address.startswith(f"千葉県茂原市{t}") for t in towns), r.address
        assert all(m.address == r.address and m.postal_code == r.postal_code for m in hh.members)
    extras = [h.members[0].address_extra for h in city.households if h.members[0].address_extra]
    assert extras and all(e.endswith("号") for e in extras)
    assert any("丁目" in h.members[0].address for h in city.households)


def test_my_numbers_are_valid_and_unique(city5000: Any) -> None:
    numbers = [r.my_number for r in city5000.residents]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert mn.normalize(number) == number


def test_households_relationships_and_ages_hang_together(city5000: Any) -> None:
    relationships = Counter(r.relationship for r in city5000.residents)
    for rel in ("世帯主", "妻", "夫", "子", "父", "母", "孫", "子の妻"):
        assert relationships[rel] > 0, rel
    married = [r for r in city5000.residents if r.former_surname]
    assert married and all(r.relationship in ("妻", "子の妻", "世帯主") for r in married)
    assert all(r.former_surname != r.family_name and r.former_surname_kana for r in married)
    for hh in city5000.households:
        heads = [m for m in hh.members if m.relationship == "世帯主"]
        assert len(heads) == 1
        head = heads[0]
        for m in hh.members:
            assert m.address_since >= m.resident_since >= m.birth_date
            if m.relationship == "子":
                assert head.age - m.age >= 16
            if m.relationship == "孫":
                assert head.age - m.age >= 36


def test_eligibility_flags_follow_age_and_household(city5000: Any) -> None:
    for r in city5000.residents:
        assert r.late_elderly_insurance == (r.age >= 75)
        assert r.long_term_care_insurance == (r.age >= 65)
        if r.age >= 75:
            assert not r.national_health_insurance
        if r.national_pension_type1:
            assert 20 <= r.age < 60
        if r.child_allowance:
            assert r.age >= 18
    for hh in city5000.households:
        receivers = [m for m in hh.members if m.child_allowance]
        has_child = any(m.age < 18 and m.relationship in ("子", "孫") for m in hh.members)
        assert len(receivers) == (1 if has_child else 0)
    residents = city5000.residents
    nhi = sum(r.national_health_insurance for r in residents) / len(residents)
    assert 0.12 <= nhi <= 0.30


def test_tax_summaries_for_sixteen_and_over(city5000: Any) -> None:
    rows = 0
    arrears = undeclared = 0
    for r in city5000.residents:
        if r.age < 16:
            assert r.taxes == []
            continue
        assert [t.fiscal_year for t in r.taxes] == [2025, 2026]
        for t in r.taxes:
            rows += 1
            arrears += t.has_arrears
            undeclared += not t.declared
            assert t.taxable == (t.declared and t.income > NON_TAXABLE_LIMIT)
            if not t.declared:
                assert t.income == 0
    assert 0.005 <= arrears / rows <= 0.04
    assert 0.015 <= undeclared / rows <= 0.045
    zero = sum(1 for r in city5000.residents for t in r.taxes if t.income == 0)
    assert 0.15 <= zero / rows <= 0.6


# -- seeding -----------------------------------------------------------------


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_creates_both_municipalities_departments_and_accounts(settings: Any) -> None:
    settings.MADO_DEMO_PASSWORD = "demo-password-for-tests"
    output = _seed("--residents", "400", "--seed", "5")
    assert "完了" in output and "done" in output
    city = Municipality.objects.get(code="129992")
    town = Municipality.objects.get(code="129984")
    assert (city.name, city.prefecture, town.name) == ("サンプル市", "千葉県", "テスト町")
    assert is_valid_municipality_code(city.code) and is_valid_municipality_code(town.code)
    assert ResidentRecord.unscoped.filter(municipality=city).count() == 400
    assert ResidentRecord.unscoped.filter(municipality=town).count() == 500
    # The seed's own departments; the catalogue step may add more (危機管理課, 水道課 ...).
    assert set(Department.unscoped.filter(municipality=city).values_list("code", flat=True)) >= {
        "shimin",
        "hoken",
        "kosodate",
        "fukushi",
        "zeimu",
        "kaigo",
        "gakko",
        "kankyo",
        "kaikei",
    }
    jumin = Department.unscoped.get(municipality=town, code="jumin")
    assert jumin.location and jumin.phone

    users = get_user_model().objects
    admin = users.get(username="admin")
    assert admin.is_superuser and not hasattr(admin, "staff_profile")
    expected = {
        "madoguchi": (city, {("shimin", "counter"), ("shimin", "my_number")}),
        "shimin": (city, {("shimin", "reviewer"), ("shimin", "approver")}),
        "hoken": (city, {("hoken", "reviewer")}),
        "kosodate": (city, {("kosodate", "reviewer")}),
        "test-madoguchi": (town, {("jumin", "counter")}),
    }
    for username, (municipality, roles) in expected.items():
        user = users.get(username=username)
        assert user.check_password("demo-password-for-tests")
        assert user.staff_profile.is_demo and user.staff_profile.municipality == municipality
        got = set(
            StaffMembership.unscoped.filter(user=user).values_list("department__code", "role")
        )
        assert got == roles
    assert admin.check_password("demo-password-for-tests")


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_force_reseeds() -> None:
    _seed("--residents", "300")
    city = Municipality.objects.get(code="129992")
    first_ids = set(ResidentRecord.unscoped.filter(municipality=city).values_list("pk", flat=True))
    assert AuditEntry.objects.filter(action="seed").count() == 1

    again = _seed("--residents", "300")
    assert "すでに" in again and "--force" in again
    assert ResidentRecord.unscoped.filter(municipality=city).count() == 300
    assert AuditEntry.objects.filter(action="seed").count() == 1
    assert Municipality.objects.filter(code__in=["129992", "129984"]).count() == 2

    _seed("--residents", "350", "--force")
    ids = set(ResidentRecord.unscoped.filter(municipality=city).values_list("pk", flat=True))
    assert len(ids) == 350 and min(ids) > max(first_ids)  # ids are never reused
    town = Municipality.objects.get(code="129984")
    assert ResidentRecord.unscoped.filter(municipality=town).count() == 500
    assert AuditEntry.objects.filter(action="seed").count() == 2
    assert get_user_model().objects.filter(username="madoguchi").count() == 1


@pytest.mark.django_db
def test_seeded_rows_stay_inside_their_municipality_and_are_searchable() -> None:
    _seed("--residents", "400")
    city = Municipality.objects.get(code="129992")
    town = Municipality.objects.get(code="129984")
    for municipality in (city, town):
        other = town if municipality == city else city
        residents = ResidentRecord.unscoped.filter(municipality=municipality)
        assert not residents.filter(household__municipality=other).exists()
        assert (
            not ResidentSearchToken.objects.filter(resident__municipality=municipality)
            .exclude(municipality_id=municipality.pk)
            .exists()
        )
        assert (
            not TaxSummary.unscoped.filter(resident__municipality=municipality)
            .exclude(municipality=municipality)
            .exists()
        )
    assert Household.unscoped.filter(municipality=town).count() > 100

    found = list(search.search(city, "たかはし"))
    assert any(r.family_name == "髙橋" for r in found)
    assert all(r.municipality_id == city.pk for r in found)
    assert all(r.municipality_id == town.pk for r in search.search(town, "たかはし"))

    sample = list(ResidentRecord.unscoped.filter(municipality=city).order_by("pk")[:60])
    for r in sample:
        stored = set(
            ResidentSearchToken.objects.filter(resident=r).values_list(
                "token", "is_alias", "sort_key", "active", "birth_date"
            )
        )
        assert stored == {
            (t.token, t.is_alias, t.sort_key, t.active, t.birth_date)
            for t in build_search_tokens(r)
        }
        assert mn.normalize(mn.decrypt(r.my_number_encrypted)) == mn.decrypt(r.my_number_encrypted)
    hashes = ResidentRecord.unscoped.values_list("my_number_hash", flat=True)
    assert len(set(hashes)) == len(hashes) == 900
    elderly = ResidentRecord.unscoped.filter(municipality=city, late_elderly_insurance=True)
    assert elderly.exists() and not elderly.filter(long_term_care_insurance=False).exists()
