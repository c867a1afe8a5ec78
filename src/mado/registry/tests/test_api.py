"""GET /api/v1/residents and /residents/{id}: token auth, tenant isolation, JSON errors."""

import pytest
from django.test import Client

from mado.core.models import AuditEntry
from mado.core.services import issue_token


@pytest.fixture
def tokens(world):
    return {
        "city": issue_token(world["madoguchi"], "t"),
        "town": issue_token(world["town_user"], "t"),
    }


def _get(client: Client, path: str, token: str | None = None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(path, params, **headers)


@pytest.mark.parametrize(
    "q", ["高橋", "髙橋", "たかはし", "ﾀｶﾊｼ", "タカハシ", "takahashi", "TAKAHASHI"]
)
def test_every_spelling_finds_the_takahashi_household(client, world, tokens, q) -> None:
    r = _get(client, "/api/v1/residents", tokens["city"], q=q)
    assert r.status_code == 200, r.content
    ids = {row["id"] for row in r.json()["results"]}
    assert ids == {world["takahashi"].pk, world["hanako"].pk}
    assert all(row["family_name"] == "髙橋" for row in r.json()["results"])


def test_variant_folding_and_full_name(client, world, tokens) -> None:
    assert [
        r["id"]
        for r in _get(client, "/api/v1/residents", tokens["city"], q="山崎").json()["results"]
    ] == [world["yamazaki"].pk]
    for q in ["渡辺", "渡邉", "わたなべ さぶろう", "渡辺三郎"]:
        got = [
            r["id"]
            for r in _get(client, "/api/v1/residents", tokens["city"], q=q).json()["results"]
        ]
        assert got == [world["watanabe"].pk], q
    both = _get(client, "/api/v1/residents", tokens["city"], q="高橋 花子").json()["results"]
    assert [r["id"] for r in both] == [world["hanako"].pk]


def test_birth_date_in_wareki_or_gregorian(client, world, tokens) -> None:
    for bd in ["1990-01-08", "平成2年1月8日", "H2.1.8"]:
        rows = _get(client, "/api/v1/residents", tokens["city"], birth_date=bd).json()["results"]
        assert [r["id"] for r in rows] == [world["yamazaki"].pk], bd
    rows = _get(client, "/api/v1/residents", tokens["city"], q="平成2年1月8日").json()["results"]
    assert [r["id"] for r in rows] == [world["yamazaki"].pk]


def test_lists_never_mix_municipalities(client, world, tokens) -> None:
    town = _get(client, "/api/v1/residents", tokens["town"], q="たかはし").json()["results"]
    assert [r["id"] for r in town] == [world["town_takahashi"].pk]
    city = _get(client, "/api/v1/residents", tokens["city"], q="たかはし").json()["results"]
    assert world["town_takahashi"].pk not in {r["id"] for r in city}


def test_other_municipality_resident_is_404(client, world, tokens) -> None:
    r = _get(client, f"/api/v1/residents/{world['takahashi'].pk}", tokens["town"])
    assert r.status_code == 404
    assert set(r.json()) == {"detail", "errors"}
    ok = _get(client, f"/api/v1/residents/{world['takahashi'].pk}", tokens["city"])
    assert ok.status_code == 200
    body = ok.json()
    assert {m["name"] for m in body["household_members"]} == {"髙橋　太郎", "髙橋　花子"}
    assert body["household_members"][0]["relationship"] == "世帯主"
    assert "123456789018" not in ok.content.decode()
    assert body["my_number"].startswith("●")


def test_missing_or_bad_token_is_401(client, world) -> None:
    for token in [None, "nonsense", "mado_" + "x" * 40]:
        r = _get(client, "/api/v1/residents", token, q="高橋")
        assert r.status_code == 401
        assert "detail" in r.json() and r.json()["errors"] == []


def test_revoked_token_is_401(client, world, tokens) -> None:
    from mado.core.models import ApiToken

    ApiToken.unscoped.update(revoked=True)
    assert _get(client, "/api/v1/residents", tokens["city"], q="高橋").status_code == 401


def test_bad_input_is_4xx_json(client, world, tokens) -> None:
    cases = [
        {"birth_date": "平成32年1月1日"},
        {"birth_date": "2023-02-30"},
        {"q": "x" * 500},
        {"limit": "abc"},
        {"limit": "0"},
        {"q": "高橋\x00"},
    ]
    for params in cases:
        r = _get(client, "/api/v1/residents", tokens["city"], **params)
        assert 400 <= r.status_code < 500, (params, r.status_code)
        assert "detail" in r.json() and "errors" in r.json()
    r = _get(client, "/api/v1/residents/abc", tokens["city"])
    assert r.status_code in (404, 422)
    r = _get(client, "/api/v1/residents/99999999999999999999999", tokens["city"])
    assert 400 <= r.status_code < 500


def test_reads_are_audited_with_reason(client, world, tokens) -> None:
    before = AuditEntry.objects.count()
    client.get(
        f"/api/v1/residents/{world['takahashi'].pk}",
        HTTP_AUTHORIZATION=f"Bearer {tokens['city']}",
        HTTP_X_MADO_REASON="転入届の確認",
    )
    e = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert (e.action, e.target_id, e.reason, e.actor) == (
        "read",
        str(world["takahashi"].pk),
        "転入届の確認",
        "madoguchi",
    )


def test_openapi_document(client, db) -> None:
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/residents" in paths and "/api/v1/residents/{resident_id}" in paths


def test_unknown_api_path_is_json_404(client, db) -> None:
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json()["detail"]


def test_json_keeps_japanese_readable(client, world, tokens) -> None:
    r = _get(client, f"/api/v1/residents/{world['takahashi'].pk}", tokens["city"])
    assert "髙橋".encode() in r.content
    assert r["Content-Type"].startswith("application/json")


def test_unexpected_error_is_json_without_traceback(client, world, tokens, monkeypatch) -> None:
    from mado.registry import services

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "search_residents", boom)
    client.raise_request_exception = False
    r = _get(client, "/api/v1/residents", tokens["city"], q="高橋")
    assert r.status_code == 500
    assert set(r.json()) == {"detail", "errors"}
    assert b"secret internals" not in r.content and b"Traceback" not in r.content
