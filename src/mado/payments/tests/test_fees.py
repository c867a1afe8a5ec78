"""Fees from rules: fixed, per copy, computed with the rule language, exemptions, timing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mado.payments import fees
from mado.payments.models import FeeKind, FeeRule, FeeTiming

DEFINITION = {"steps": [{"key": "s", "fields": [
    {"key": "copies", "type": "number", "label": "通数"},
    {"key": "total_items", "type": "number", "label": "点数"},
    {"key": "purpose", "type": "choice", "label": "使いみち",
     "choices": [{"value": "work", "label": "勤務先"}, {"value": "pension", "label": "年金"}]},
]}]}


def rule(**kw: Any) -> FeeRule:
    return FeeRule(procedure_code="x", **kw)


@given(st.integers(0, 10), st.integers(1, 5000))
def test_per_copy_is_unit_times_copies(copies: int, unit: int) -> None:
    q = fees.quote(rule(kind=FeeKind.PER_COPY, amount_yen=unit, copies_field="copies"),
                   {"copies": copies}, DEFINITION)
    assert q.amount_yen == unit * copies and q.payable == (copies > 0)


def test_fixed_free_and_computed() -> None:
    assert fees.quote(rule(kind=FeeKind.FIXED, amount_yen=2000), {}).amount_yen == 2000
    assert not fees.quote(rule(kind=FeeKind.FREE), {"copies": 3}).payable
    computed = rule(kind=FeeKind.COMPUTED, expression="total_items * 500")
    assert fees.quote(computed, {"total_items": 3}, DEFINITION).amount_yen == 1500
    with pytest.raises(fees.FeeError, match="未入力"):
        fees.quote(computed, {}, DEFINITION)
    with pytest.raises(fees.FeeError):
        fees.quote(rule(kind=FeeKind.COMPUTED, expression="__import__('os')"), {}, DEFINITION)


def test_exemption_gives_zero_with_a_reason() -> None:
    r = rule(kind=FeeKind.PER_COPY, amount_yen=300, exempt_when='purpose == "pension"',
             exemption_reason="年金の請求")
    q = fees.quote(r, {"copies": 2, "purpose": "pension"}, DEFINITION)
    assert q.exempt and q.amount_yen == 0 and q.exemption_reason == "年金の請求"
    assert fees.quote(r, {"copies": 2, "purpose": "work"}, DEFINITION).amount_yen == 600


def test_check_rule_reports_unknown_fields() -> None:
    assert fees.check_rule(rule(kind=FeeKind.COMPUTED, expression="nope * 2"), DEFINITION)
    assert not fees.check_rule(rule(kind=FeeKind.COMPUTED, expression="copies * 2"), DEFINITION)


def test_without_a_rule_the_catalogue_fee_applies(world: dict[str, Any]) -> None:
    from mado.procedures.models import Procedure

    proc = Procedure(code="juminhyo-utsushi", fee=300, fee_unit="per_copy")
    r = fees.rule_for(world["city"], proc)
    assert r.kind == FeeKind.PER_COPY and r.timing == FeeTiming.BEFORE
    FeeRule.unscoped.create(municipality=world["city"], procedure_code="juminhyo-utsushi",
                            kind=FeeKind.FIXED, amount_yen=100, timing=FeeTiming.AFTER_REVIEW)
    assert fees.rule_for(world["city"], proc).timing == FeeTiming.AFTER_REVIEW
    assert fees.rule_for(world["town"], proc).kind == FeeKind.PER_COPY  # per municipality


def test_demo_rules_fit_the_demo_forms() -> None:
    from mado.eforms.demo import demo_definitions
    from mado.payments.demo import DEMO_RULES

    forms = {d["procedure"]: d for d in demo_definitions()}
    for spec in DEMO_RULES:
        r = rule(**{k: v for k, v in spec.items() if k != "procedure_code"})
        assert not fees.check_rule(r, forms[spec["procedure_code"]]), spec
