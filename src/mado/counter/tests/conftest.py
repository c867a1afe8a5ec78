"""Fixtures of the counter tests: サンプル市 with the standard catalogue, the counter forms
and a family of four (髙橋: 太郎, 花子 and two children of 7 and 10) on 国民健康保険 and 児童手当."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mado.conftest import make_department, make_resident


def add_family(world: dict[str, Any]) -> dict[str, Any]:
    """Two children for the 髙橋 household; the parents get NHI and the child allowance."""
    from mado.registry.models import ResidentRecord

    city, head = world["city"], world["takahashi"]
    today = dt.date.today()
    kids = [
        make_resident(city, "髙橋", given, "タカハシ", kana, household=head.household,
                      relationship="子", sex=sex,
                      birth_date=dt.date(today.year - age, 5, 10) if (today.month, today.day) > (5, 10)
                      else dt.date(today.year - age - 1, 5, 10))
        for given, kana, sex, age in (("一郎", "イチロウ", "M", 10), ("𠮷子", "ヨシコ", "F", 7))
    ]
    ResidentRecord.unscoped.filter(household=head.household).update(national_health_insurance=True)
    ResidentRecord.unscoped.filter(pk=head.pk).update(child_allowance=True)
    head.refresh_from_db()
    return {**world, "kids": kids}


def prepare_city(municipality: Any) -> None:
    from mado.counter.demo import publish_counter_forms
    from mado.procedures.catalogue import clear_cache
    from mado.procedures.services import seed_standard_catalogue

    clear_cache()
    report = seed_standard_catalogue(municipality)
    assert report.ok, report.errors
    assert publish_counter_forms(municipality) >= 8


@pytest.fixture
def family(world: dict[str, Any]) -> dict[str, Any]:
    prepare_city(world["city"])
    return add_family(world)


__all__ = ["add_family", "make_department", "prepare_city"]
