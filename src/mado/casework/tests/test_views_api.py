"""Staff pages and the /api/v1/cases endpoints: filters, actions, permissions, 4xx on bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from mado.casework.models import Case
from mado.casework.tests.conftest import file_submission
from mado.core.services import issue_token
from mado.submissions.models import Status

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_inbox_lists_filters_and_counts(cw: dict[str, Any]) -> None:
    a = file_submission(cw, cw["takahashi"])
    b = file_submission(cw, cw["yamazaki"])
    c = _client(cw["reviewer"])
    page = c.get("/staff/cases/")
    assert page.status_code == 200
    html = page.content.decode()
    assert a.submission.receipt_number in html and b.submission.receipt_number in html
    found = c.get("/staff/cases/", {"q": "山﨑"}).content.decode()
    assert b.submission.receipt_number in found and a.submission.receipt_number not in found
    by_number = c.get("/staff/cases/", {"q": a.submission.receipt_number}).content.decode()
    assert a.submission.receipt_number in by_number and b.submission.receipt_number not in by_number
    assert c.get("/staff/cases/", {"status": "bogus"}).status_code == 400


def test_inbox_of_another_department_is_empty_or_refused(cw: dict[str, Any]) -> None:
    a = file_submission(cw, cw["takahashi"])
    resp = _client(cw["hoken"]).get("/staff/cases/")
    assert a.submission.receipt_number not in resp.content.decode()
    assert _client(cw["hoken"]).get(f"/staff/cases/{a.pk}/").status_code == 403
    post = _client(cw["hoken"]).post(f"/staff/cases/{a.pk}/action/", {"action": "accept"})
    assert post.status_code == 403
    a.refresh_from_db()
    assert a.submission.status == Status.SUBMITTED


def test_bulk_accept_and_review(cw: dict[str, Any]) -> None:
    cases = [file_submission(cw, cw["takahashi"]), file_submission(cw, cw["yamazaki"])]
    c = _client(cw["reviewer"])
    ids = [str(x.pk) for x in cases]
    assert c.post("/staff/cases/bulk/", {"action": "accept", "case": ids}).status_code == 302
    assert c.post("/staff/cases/bulk/", {"action": "review", "case": ids}).status_code == 302
    outcomes = {x.pk: (x.submission.status, x.review_outcome)
                for x in Case.unscoped.select_related("submission").filter(pk__in=ids)}
    assert outcomes == {cases[0].pk: ("accepted", "pass"), cases[1].pk: ("accepted", "refer")}


def test_case_page_and_return_without_reason_keeps_input(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    c = _client(cw["reviewer"])
    page = c.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "収入がなかった理由" in page and "仕事をしていなかった" in page  # labels of its version
    resp = c.post(f"/staff/cases/{case.pk}/action/", {"action": "reject", "text": " "})
    assert resp.status_code == 400
    resp = c.post(f"/staff/cases/{case.pk}/action/", {"action": "comment", "text": "メモ"})
    assert resp.status_code == 302
    assert c.get("/staff/cases/reports/approval/").status_code == 200
    assert c.get("/staff/cases/export/", {"format": "csv"}).status_code == 200
    assert c.get("/staff/cases/export/", {"format": "xml"}).status_code == 400


def test_api_lists_details_and_moves_cases(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    c = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(cw['reviewer'])}")
    rows = c.get("/api/v1/cases", {"status": "submitted", "department": "zeimu"}).json()
    assert [r["receipt_number"] for r in rows] == [case.submission.receipt_number]
    assert c.get("/api/v1/cases", {"status": "nope"}).status_code == 400
    detail = c.get(f"/api/v1/cases/{case.pk}").json()
    assert detail["data"]["reason"] == "unemployed" and detail["timeline"]
    ok = c.post(f"/api/v1/cases/{case.pk}/transitions", json.dumps({"status": "accepted"}),
                content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"
    bad = c.post(f"/api/v1/cases/{case.pk}/transitions", json.dumps({"status": "completed"}),
                 content_type="application/json")
    assert bad.status_code == 409 and "detail" in bad.json()
    no_reason = c.post(f"/api/v1/cases/{case.pk}/transitions", json.dumps({"status": "returned"}),
                       content_type="application/json")
    assert no_reason.status_code == 409


def test_api_respects_departments_and_municipalities(cw: dict[str, Any]) -> None:
    case = file_submission(cw, cw["takahashi"])
    other = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(cw['hoken'])}")
    assert other.get("/api/v1/cases").json() == []
    assert other.get(f"/api/v1/cases/{case.pk}").status_code == 403
    town = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(cw['town_user'])}")
    assert town.get(f"/api/v1/cases/{case.pk}").status_code == 404
