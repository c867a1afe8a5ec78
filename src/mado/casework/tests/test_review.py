"""Automatic review: 神戸市's 0申告 rules, every referral with its reason, bulk == one by one."""

from __future__ import annotations

from typing import Any

import pytest

from mado.casework import review
from mado.casework.models import Case, ReviewOutcome, ReviewRule
from mado.casework.tests.conftest import file_submission
from mado.procedures.rules import RuleError
from mado.registry.models import ResidentRecord

pytestmark = pytest.mark.django_db


def _outcomes(cw: dict[str, Any]) -> dict[str, Any]:
    return {
        "clean": file_submission(cw, cw["takahashi"]),
        "income": file_submission(cw, cw["yamazaki"]),
        "arrears": file_submission(cw, cw["watanabe"]),
        "dependants": file_submission(cw, cw["hanako"], has_dependents=True),
    }


def test_zero_declaration_worked_example(cw: dict[str, Any]) -> None:
    cases = _outcomes(cw)
    results = {k: review.review_one(c) for k, c in cases.items()}
    assert results["clean"] == (ReviewOutcome.PASS, [])
    assert results["income"][0] == ReviewOutcome.REFER
    assert any("所得の記録" in r for r in results["income"][1])
    assert any("滞納" in r for r in results["arrears"][1])
    assert any("扶養" in r for r in results["dependants"][1])


def test_bulk_review_gives_the_same_results_as_one_by_one(cw: dict[str, Any]) -> None:
    cases = _outcomes(cw)
    one = {k: review.review_one(c) for k, c in cases.items()}
    Case.unscoped.update(review_outcome="", review_reasons=[])
    summary = review.review_cases([c.pk for c in cases.values()])
    assert summary.reviewed == 4 and summary.passed == 1 and summary.referred == 3
    for key, case in cases.items():
        case.refresh_from_db()
        assert (case.review_outcome, case.review_reasons) == one[key]
        if case.review_outcome == ReviewOutcome.REFER:
            assert case.review_reasons  # every referral carries its reason


def test_moved_out_resident_is_referred(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    ResidentRecord.unscoped.filter(pk=cw["takahashi"].pk).update(status="moved_out")
    outcome, reasons = review.review_one(Case.unscoped.get(pk=case.pk))
    assert outcome == ReviewOutcome.REFER and any("住民登録" in r for r in reasons)


def test_unlinked_submission_is_matched_by_birth_date_and_kana(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"], link=False)
    assert case.submission.resident_id is None
    review.review_cases([case.pk])
    case.refresh_from_db()
    assert case.review_outcome == ReviewOutcome.PASS


def test_missing_ledger_record_refers_as_unknown(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"], target_year="2000")
    outcome, reasons = review.review_one(case)
    assert outcome == ReviewOutcome.REFER
    assert any("確認できません" in r for r in reasons)


def test_rules_are_validated_against_the_form(cw: dict[str, Any]) -> None:
    review.validate_review_rule('data_reason == "student" and no_tax_arrears', cw["version"].definition)
    with pytest.raises(RuleError):
        review.validate_review_rule("__import__('os')", cw["version"].definition)
    with pytest.raises(RuleError):
        review.validate_review_rule('data_reason == "astronaut"', cw["version"].definition)


def test_a_broken_rule_refers_instead_of_passing(cw: dict[str, Any]) -> None:
    ReviewRule.unscoped.create(municipality=cw["city"], procedure=cw["procedure"], name="壊れた",
                               expression="no_such_fact", refer_reason="x")
    outcome, reasons = review.review_one(file_submission(cw, cw["takahashi"]))
    assert outcome == ReviewOutcome.REFER and any("壊れた" in r for r in reasons)
