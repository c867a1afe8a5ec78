"""Plan semantics on a small catalogue: reasons, three-valued rules, questions, grouping."""

from __future__ import annotations

import pytest

from mado.navigator import services
from mado.procedures.facts import FactError
from mado.procedures.services import import_catalogue

MINI = {
    "departments": [
        {"code": "shimin", "name": "市民課", "location": "1階 1番", "sort_order": 10},
        {"code": "hoken", "name": "保険年金課", "location": "1階 5番", "sort_order": 20},
        {"code": "kosodate", "name": "子育て支援課", "location": "2階", "sort_order": 30},
        {"code": "kaigo", "name": "高齢介護課", "location": "2階", "sort_order": 40},
    ],
    "procedures": [
        {
            "code": "tennyu",
            "name": "転入届",
            "department": "shimin",
            "channels": ["counter"],
            "documents": ["転出証明書"],
            "life_events": ["moving_in"],
            "plan_order": 10,
        },
        {
            "code": "kokuho",
            "name": "国民健康保険の加入",
            "department": "hoken",
            "channels": ["counter"],
            "life_events": ["moving_in"],
            "plan_order": 30,
            "rules": [
                {
                    "when": "national_health_insurance",
                    "reason": "国民健康保険に加入するため",
                    "reason_en": "to join NHI",
                }
            ],
        },
        {
            "code": "jidoteate",
            "name": "児童手当の認定請求",
            "department": "kosodate",
            "channels": ["counter", "national_portal"],
            "life_events": ["moving_in", "birth"],
            "plan_order": 60,
            "rules": [
                {
                    "when": "any_between(children_ages, 0, 17)",
                    "reason": "18歳未満のお子さんがいるため",
                    "reason_en": "children under 18",
                }
            ],
        },
        {
            "code": "kaigo-jusho",
            "name": "介護保険の住所移転",
            "department": "kaigo",
            "channels": ["counter"],
            "life_events": ["moving_in"],
            "plan_order": 50,
            "rules": [
                {
                    "when": "members_65_plus > 0",
                    "reason": "65歳以上の方がいるため",
                    "reason_en": "a member is 65+",
                },
                {
                    "when": "long_term_care_certified",
                    "reason": "要介護認定を受けているため",
                    "reason_en": "certified",
                },
            ],
        },
        {
            "code": "inkan-kaishi",
            "name": "住民票の写し",
            "department": "shimin",
            "channels": ["counter", "konbini"],
            "life_events": [],
            "plan_order": 15,
        },
    ],
}


@pytest.fixture
def city(world):
    report = import_catalogue(world["city"], MINI)
    assert report.ok, report.errors
    return world["city"]


def codes(plan) -> list[str]:
    return [i.code for i in plan.items]


def test_rules_decide_and_give_reasons(city) -> None:
    p = services.plan(
        city,
        "moving_in",
        {
            "national_health_insurance": True,
            "children_ages": [3, 7],
            "members_65_plus": 0,
            "long_term_care_certified": False,
        },
    )
    assert codes(p) == ["tennyu", "kokuho", "jidoteate"]
    reasons = {i.code: i.reason for i in p.items}
    assert reasons["jidoteate"] == "18歳未満のお子さんがいるため"
    assert reasons["tennyu"] == "市外から転入されるため"
    assert p.maybe == [] and p.pending_facts == []


def test_unknown_facts_become_questions_only_when_they_matter(city) -> None:
    p = services.plan(city, "moving_in", {})
    assert codes(p) == ["tennyu"]
    assert {f.key for f in p.pending_facts} == {
        "national_health_insurance",
        "children_ages",
        "members_65_plus",
        "long_term_care_certified",
    }
    # 65+ answered yes decides 介護: certification no longer matters.
    p = services.plan(city, "moving_in", {"members_65_plus": 1})
    assert "kaigo-jusho" in codes(p)
    assert "long_term_care_certified" not in {f.key for f in p.pending_facts}


def test_groups_follow_the_first_procedure_of_each_counter(city) -> None:
    p = services.plan(
        city,
        "moving_in",
        {"national_health_insurance": True, "children_ages": [1], "members_65_plus": 2},
    )
    assert [g.department_name for g in p.groups] == [
        "市民課",
        "保険年金課",
        "高齢介護課",
        "子育て支援課",
    ]
    # Existing departments keep their own settings; new ones come from the catalogue.
    assert p.groups[0].location == "" and p.groups[-1].location == "2階"


def test_procedures_without_life_event_are_never_proposed(city) -> None:
    for event in ["moving_in", "birth", "death"]:
        assert "inkan-kaishi" not in codes(services.plan(city, event, {}))


@pytest.mark.parametrize(
    "facts,field",
    [
        ({"children_ages": [3, -1]}, "facts.children_ages[1]"),
        ({"children_ages": "3,7"}, "facts.children_ages"),
        ({"members_65_plus": "2"}, "facts.members_65_plus"),
        ({"members_65_plus": True}, "facts.members_65_plus"),
        ({"national_health_insurance": 1}, "facts.national_health_insurance"),
        ({"household_size": 0}, "facts.household_size"),
        ([1, 2], "facts"),
        ("x", "facts"),
    ],
)
def test_bad_facts_name_the_field(city, facts, field) -> None:
    with pytest.raises(FactError) as exc:
        services.plan(city, "moving_in", facts)
    assert exc.value.field == field


def test_unknown_life_event_and_unknown_fact_keys(city) -> None:
    with pytest.raises(services.LifeEventError):
        services.plan(city, "moving", {})
    p = services.plan(city, "moving_in", {"pets": 3, "children_ages": [2]})
    assert p.ignored_facts == ["pets"]


def test_sheet_token_round_trip_and_tamper(city) -> None:
    from django.core import signing

    token = services.sheet_token("moving_in", {"children_ages": [3]})
    assert services.read_sheet_token(token) == ("moving_in", {"children_ages": [3]})
    with pytest.raises(signing.BadSignature):
        services.read_sheet_token(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])


def test_catalogue_cache_sees_edits(city) -> None:
    from mado.procedures.models import Procedure

    assert "kokuho" in codes(services.plan(city, "moving_in", {"national_health_insurance": True}))
    p = Procedure.unscoped.get(municipality=city, code="kokuho")
    p.rules = [
        {
            "when": "national_health_insurance and not employee_insurance",
            "reason": "国民健康保険に加入するため",
        }
    ]
    p.save()
    got = services.plan(
        city, "moving_in", {"national_health_insurance": True, "employee_insurance": True}
    )
    assert "kokuho" not in codes(got)


def test_staff_mode_fills_facts_from_the_registry(city, world) -> None:
    import datetime as dt

    from mado.conftest import make_resident

    head = world["takahashi"]
    make_resident(
        city,
        "髙橋",
        "一太",
        "タカハシ",
        "イチタ",
        birth_date=dt.date(2019, 5, 1),
        household=head.household,
        relationship="子",
    )
    facts = services.facts_from_registry(head, "moving_in", today=dt.date(2026, 11, 21))
    assert facts["household_size"] == 3 and facts["children_ages"] == [7]
    assert facts["members_65_plus"] == 0
    p = services.plan_for_resident(
        city, head, "moving_in", {"national_health_insurance": False}, today=dt.date(2026, 11, 21)
    )
    assert "jidoteate" in codes(p) and "kokuho" not in codes(p) and "kaigo-jusho" not in codes(p)
