"""The issue's acceptance scenarios on the standard catalogue (data/standard_catalogue.json)."""

from __future__ import annotations

import pytest

from mado.navigator import services
from mado.procedures.services import seed_standard_catalogue


@pytest.fixture
def city(world):
    report = seed_standard_catalogue(world["city"])
    assert report.ok, report.errors[:5]
    return world["city"]


def names(plan) -> str:
    return "\n".join(i.entry.name for i in plan.items)


MOVE_IN = {
    "same_prefecture": False,
    "household_size": 4,
    "children_ages": [3, 7],
    "national_health_insurance": True,
    "employee_insurance": False,
    "dog_owner": True,
    "members_65_plus": 0,
    "members_75_plus": 0,
    "has_my_number_card": True,
}


def test_move_in_family_gets_every_procedure_it_needs(city) -> None:
    plan = services.plan(city, "moving_in", MOVE_IN)
    text = names(plan)
    for expected in [
        "転入届",
        "国民健康保険",
        "児童手当",
        "子ども医療費",
        "転入学",
        "犬",
        "マイナンバーカード",
    ]:
        assert expected in text, (expected, text)
    assert "小学校" in text or "転入学" in text
    for absent in ["介護保険", "後期高齢者"]:
        assert absent not in text, (absent, text)
    assert all(i.reason for i in plan.items)


def test_move_in_questions_are_few(city) -> None:
    """A typical move-in needs at most 8 questions, asked only while they matter."""
    answers: dict = {}
    asked: list[str] = []
    truth = dict(
        MOVE_IN,
        pregnant=False,
        disability_certificate=False,
        long_term_care_certified=False,
        foreign_resident=False,
        national_pension_type1=False,
        seal_registered=False,
        child_allowance_recipient=False,
        single_parent=False,
    )
    for _ in range(20):
        pending = services.questions(city, "moving_in", answers)
        if not pending:
            break
        for fact in pending:
            asked.append(fact.key)
            answers[fact.key] = truth.get(
                fact.key, 0 if fact.type == "int" else ([] if fact.type == "int_list" else False)
            )
    assert len(asked) == len(set(asked))
    assert len(asked) <= 8, asked


def test_no_care_procedures_without_older_members(city) -> None:
    plan = services.plan(city, "moving_in", dict(MOVE_IN, children_ages=[]))
    assert "介護" not in names(plan) and "後期高齢" not in names(plan)
    older = services.plan(city, "moving_in", dict(MOVE_IN, members_65_plus=1, members_75_plus=1))
    assert "介護保険" in names(older) and "後期高齢者" in names(older)


def test_death_follows_the_deceaseds_enrolments(city) -> None:
    base = {
        "household_size": 2,
        "deceased_age": 80,
        "deceased_household_head": True,
        "deceased_late_elderly_insurance": True,
        "deceased_national_health_insurance": False,
        "deceased_long_term_care_insurance": True,
        "deceased_pension": True,
        "deceased_seal_registered": True,
        "deceased_has_my_number_card": True,
    }
    text = names(services.plan(city, "death", base))
    for expected in ["死亡届", "後期高齢者", "葬祭費", "介護保険", "年金", "印鑑"]:
        assert expected in text, (expected, text)
    assert "国民健康保険の資格喪失" not in text
    nhi = dict(
        base,
        deceased_age=60,
        deceased_late_elderly_insurance=False,
        deceased_national_health_insurance=True,
        deceased_long_term_care_insurance=False,
    )
    text = names(services.plan(city, "death", nhi))
    assert "国民健康保険" in text and "後期高齢者医療" not in text


def test_catalogue_size_and_coverage(city) -> None:
    from mado.procedures.facts import LIFE_EVENTS
    from mado.procedures.services import list_procedures

    everything = list_procedures(city)
    assert len(everything) >= 80
    assert sum(1 for e in everything if e.data["my_number_card_online"]) == 27
    for event in LIFE_EVENTS:
        assert len(list_procedures(city, life_event=event)) >= 3, event
