"""Tenant isolation over every API endpoint: テスト町's token never reaches サンプル市's objects.

Why: one Mado serves several municipalities, and 特定個人情報 of one must never
be readable — or even confirmable — by another's staff. For every operation
that takes an id, a テスト町 token gets the same 404 as for an id that does not
exist, while サンプル市's token gets the object (the positive control: without
it a 404 could just mean a broken id). The operations are read from the ninja
api object, so a new endpoint is covered automatically; one without an id
must be listed in NO_ID below with the reason it is safe, or this test fails.
"""

from __future__ import annotations

from typing import Any

from django.test import Client

from mado.api.tests.endpoints import operations, path_values, valid_body, valid_query

OPS = operations()
NO_ID: dict[str, str] = {
    "GET /api/v1/residents": "list scoped to the token's municipality (test_lists_stay_home)",
    "GET /api/v1/procedures": "public catalogue of the token's municipality (test_lists_stay_home)",
    "GET /api/v1/navigator/questions": "public: the questions, no resident data",
    "POST /api/v1/navigator/plan": "public: computed from the posted facts only",
    "POST /api/v1/counter/sessions": "resident_id in the body: test_ids_in_bodies_stay_home",
    "GET /api/v1/cases": "list scoped to the token's municipality (test_lists_stay_home)",
}


def _call(token: str, op: Any, world: dict[str, Any]) -> Any:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = op.url(**path_values(world))
    if op.method == "GET":
        return client.get(url, valid_query(op))
    return client.generic(op.method, url, _json(valid_body(op, world)),
                          content_type="application/json")


def _json(body: Any) -> str:
    import json

    return json.dumps(body, ensure_ascii=False)


def test_every_endpoint_is_covered_or_marked(api_world: dict[str, Any]) -> None:
    labels = {op.label for op in OPS}
    unmarked = [op.label for op in OPS if not op.path_params and op.label not in NO_ID]
    assert not unmarked, f"say why these are safe in NO_ID, or give them an id test: {unmarked}"
    assert not set(NO_ID) - labels, f"stale NO_ID entries: {set(NO_ID) - labels}"
    assert sum(1 for op in OPS if op.path_params) >= 6


def test_other_municipality_gets_404_for_every_id(api_world: dict[str, Any]) -> None:
    for op in (op for op in OPS if op.path_params):
        # テスト町 first: a refused transition must not have moved the case.
        other = _call(api_world["town_token"], op, api_world)
        assert other.status_code == 404, f"{op.label}: {other.status_code} {other.content[:200]!r}"
        assert other.json()["detail"], op.label
        assert "髙橋" not in other.content.decode("utf-8", "replace"), op.label
        home = _call(api_world["city_token"], op, api_world)
        assert home.status_code in (200, 201), f"{op.label}: {home.content[:300]!r}"


def test_ids_in_bodies_stay_home(api_world: dict[str, Any]) -> None:
    op = next(op for op in OPS if op.label == "POST /api/v1/counter/sessions")
    other = _call(api_world["town_token"], op, api_world)
    assert other.status_code == 404, other.content
    assert _call(api_world["city_token"], op, api_world).status_code == 201


def test_lists_stay_home(api_world: dict[str, Any]) -> None:
    town = Client(HTTP_AUTHORIZATION=f"Bearer {api_world['town_token']}")
    city = Client(HTTP_AUTHORIZATION=f"Bearer {api_world['city_token']}")
    rows = town.get("/api/v1/residents", {"q": "たかはし"}).json()["results"]
    assert [r["id"] for r in rows] == [api_world["town_takahashi"].pk]
    assert len(city.get("/api/v1/residents", {"q": "たかはし"}).json()["results"]) == 2
    assert town.get("/api/v1/cases").json() == []
    assert [c["id"] for c in city.get("/api/v1/cases").json()] == [api_world["case"].pk]
    assert town.get("/api/v1/procedures").json() == []  # テスト町 has no catalogue here
    assert len(city.get("/api/v1/procedures").json()) > 10
