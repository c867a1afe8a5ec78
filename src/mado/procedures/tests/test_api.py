"""Catalogue and navigator API: shapes of CONTRACT.md, tenants, and 4xx for bad input."""

from __future__ import annotations

import json

import pytest

from mado.core.services import issue_token
from mado.navigator.tests.test_plan import MINI
from mado.procedures.services import import_catalogue


@pytest.fixture
def city(world, settings):
    settings.MADO_DEFAULT_MUNICIPALITY = world["city"].code
    assert import_catalogue(world["city"], MINI).ok
    return world["city"]


def post_plan(client, body, **headers):
    return client.post(
        "/api/v1/navigator/plan",
        data=json.dumps(body) if not isinstance(body, bytes) else body,
        content_type="application/json",
        **headers,
    )


def test_procedures_list_and_filters(client, city) -> None:
    r = client.get("/api/v1/procedures")
    assert r.status_code == 200
    rows = r.json()
    assert {"code", "name", "department", "channels", "fee", "documents", "life_events"} <= set(
        rows[0]
    )
    assert {p["code"] for p in rows} >= {"tennyu", "kokuho"}
    birth = client.get("/api/v1/procedures", {"life_event": "birth"}).json()
    assert [p["code"] for p in birth] == ["jidoteate"]
    assert [p["code"] for p in client.get("/api/v1/procedures", {"online": "true"}).json()] == [
        "jidoteate"
    ]
    hoken = client.get("/api/v1/procedures", {"department": "hoken"}).json()
    assert [p["code"] for p in hoken] == ["kokuho"]
    assert client.get("/api/v1/procedures", {"department": "保険年金課"}).json() == hoken
    bad = client.get("/api/v1/procedures", {"life_event": "nope"})
    assert bad.status_code == 400 and "life_event" in bad.json()["detail"]


def test_an_edited_procedure_shows_in_the_list_at_once(client, city) -> None:
    """The list's JSON is memoised per catalogue version: an edit is a new version."""
    from mado.procedures.models import Procedure

    before = {p["code"]: p for p in client.get("/api/v1/procedures").json()}
    kokuho = Procedure.unscoped.get(municipality=city, code="kokuho")
    kokuho.fee = 1234
    kokuho.save()
    after = {p["code"]: p for p in client.get("/api/v1/procedures").json()}
    assert after["kokuho"]["fee"] == 1234 != before["kokuho"]["fee"]
    kokuho.is_active = False
    kokuho.save()
    assert "kokuho" not in {p["code"] for p in client.get("/api/v1/procedures").json()}


def test_questions(client, city) -> None:
    r = client.get("/api/v1/navigator/questions", {"life_event": "moving_in"})
    assert r.status_code == 200
    keys = [q["key"] for q in r.json()]
    assert keys == [
        "children_ages",
        "members_65_plus",
        "national_health_insurance",
        "long_term_care_certified",
    ]
    q = r.json()[0]
    assert {"key", "label", "type", "choices"} <= set(q) and q["type"] == "int_list"
    assert client.get("/api/v1/navigator/questions", {"life_event": "x"}).status_code == 400
    assert client.get("/api/v1/navigator/questions").status_code in (400, 422)


def test_plan_shape(client, city) -> None:
    r = post_plan(
        client,
        {
            "life_event": "moving_in",
            "facts": {
                "children_ages": [3, 7],
                "national_health_insurance": True,
                "members_65_plus": 0,
                "long_term_care_certified": False,
            },
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert [p["code"] for p in body["procedures"]] == ["tennyu", "kokuho", "jidoteate"]
    p = body["procedures"][2]
    assert {"code", "name", "department", "channels", "apply_url", "documents", "reason"} <= set(p)
    assert p["reason"] == "18歳未満のお子さんがいるため"
    sheet = client.get(body["guide_sheet_url"])
    assert sheet.status_code in (200, 302) or body["guide_sheet_url"].startswith("/navi/")


@pytest.mark.parametrize(
    "body,field",
    [
        ({"life_event": "moving", "facts": {}}, "life_event"),
        ({"facts": {}}, "life_event"),
        ({"life_event": 3}, "life_event"),
        ({"life_event": "moving_in", "facts": [1]}, "facts"),
        ({"life_event": "moving_in", "facts": "a"}, "facts"),
        ({"life_event": "moving_in", "facts": {"children_ages": [-3]}}, "children_ages"),
        ({"life_event": "moving_in", "facts": {"members_65_plus": "one"}}, "members_65_plus"),
        ({"life_event": "moving_in", "facts": {"pregnant": "yes"}}, "pregnant"),
        ([1, 2], "body"),
        (b"{not json", "body"),
        (b"\x00\xff", "body"),
    ],
)
def test_plan_bad_input_is_4xx_naming_the_field(client, city, body, field) -> None:
    r = post_plan(client, body)
    assert 400 <= r.status_code < 500, (body, r.status_code, r.content)
    data = r.json()
    assert field in data["detail"] or any(
        field in ".".join(map(str, e.get("loc", []))) for e in data["errors"]
    ), data


def test_token_selects_its_municipality(client, city, world) -> None:
    token = issue_token(world["town_user"], "t")
    r = client.get("/api/v1/procedures", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200 and r.json() == []  # テスト町 has no catalogue
    assert client.get("/api/v1/procedures", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401
