"""Staff pages for the automatic review rules: list, add, edit with errors shown, disable."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mado.casework import review
from mado.casework.models import ReviewOutcome, ReviewRule
from mado.casework.tests.conftest import cw, file_submission  # noqa: F401 - fixture
from mado.conftest import make_staff
from mado.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(cw: dict[str, Any], **extra: str) -> dict[str, str]:  # noqa: F811
    return {"procedure": str(cw["procedure"].pk), "name": "所得額の上限",
            "expression": "ledger_income_thousand <= 100", "refer_reason": "台帳に所得があります",
            "sort_order": "50", "active": "1", **extra}


def test_manager_lists_adds_and_the_rule_takes_effect(cw: dict[str, Any]) -> None:  # noqa: F811
    client = _client(cw["kacho"])
    page = client.get("/staff/cases/rules/").content.decode()
    for rule in ReviewRule.unscoped.filter(procedure=cw["procedure"]):
        assert rule.name in page
    response = client.post("/staff/cases/rules/new/",
                           _post(cw, expression="not has_ledger_record",
                                 refer_reason="台帳に記録があります"))
    assert response.status_code == 302
    rule = ReviewRule.unscoped.get(name="所得額の上限")
    assert rule.active and rule.sort_order == 50
    assert AuditEntry.objects.filter(action="review_rule_saved", target_id=str(rule.pk)).exists()
    case = file_submission(cw, cw["takahashi"])  # in the ledger with no income
    assert review.review_one(case) == (ReviewOutcome.REFER, ["台帳に記録があります"])


def test_invalid_condition_is_refused_with_the_input_kept(cw: dict[str, Any]) -> None:  # noqa: F811
    client = _client(cw["kacho"])
    before = ReviewRule.unscoped.count()
    bad = client.post("/staff/cases/rules/new/",
                      _post(cw, expression="no_such_fact and is_resident", sort_order="x",
                            refer_reason=""))
    body = bad.content.decode()
    assert bad.status_code == 400 and ReviewRule.unscoped.count() == before
    assert "no_such_fact and is_resident" in body  # what was typed is kept
    assert 'aria-invalid="true"' in body and "href=\"#r-expression\"" in body
    assert "href=\"#r-sort_order\"" in body and "href=\"#r-refer_reason\"" in body
    type_error = client.post("/staff/cases/rules/new/", _post(cw, expression="age and 1"))
    assert type_error.status_code == 400


def test_edit_with_error_then_fix_and_disable(cw: dict[str, Any]) -> None:  # noqa: F811
    client = _client(cw["kacho"])
    rule = ReviewRule.unscoped.filter(procedure=cw["procedure"]).order_by("sort_order").first()
    url = f"/staff/cases/rules/{rule.pk}/"
    assert rule.expression in client.get(url).content.decode()
    bad = client.post(url, _post(cw, name=rule.name, expression="is_resident and ("))
    assert bad.status_code == 400
    rule.refresh_from_db()
    assert rule.expression != "is_resident and ("
    good = client.post(url, _post(cw, name=rule.name, expression="resident_found"))
    assert good.status_code == 302
    rule.refresh_from_db()
    assert rule.expression == "resident_found"
    assert client.post(f"{url}active/", {"active": "0"}).status_code == 302
    rule.refresh_from_db()
    assert not rule.active
    assert "無効" in client.get("/staff/cases/rules/").content.decode()
    assert client.post(f"{url}active/", {"active": "1"}).status_code == 302
    rule.refresh_from_db()
    assert rule.active


def test_only_managers_of_the_department(cw: dict[str, Any]) -> None:  # noqa: F811
    rule = ReviewRule.unscoped.filter(procedure=cw["procedure"]).first()
    reviewer = _client(cw["reviewer"])
    assert reviewer.get("/staff/cases/rules/").status_code == 403
    assert reviewer.post(f"/staff/cases/rules/{rule.pk}/active/", {"active": "0"}).status_code == 403
    other = make_staff(cw["city"], "shimin-kacho", [(cw["shimin"], "manager")])
    client = _client(other)
    assert client.get("/staff/cases/rules/").status_code == 200
    assert client.get(f"/staff/cases/rules/{rule.pk}/").status_code == 404
    assert client.post(f"/staff/cases/rules/{rule.pk}/active/", {"active": "0"}).status_code == 404
    refused = client.post("/staff/cases/rules/new/", _post(cw))  # not their department's
    assert refused.status_code == 400 and not ReviewRule.unscoped.filter(name="所得額の上限").exists()
    rule.refresh_from_db()
    assert rule.active
