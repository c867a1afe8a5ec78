"""Resident procedure search (/procedures/): find 住民票 and go to its online form."""

from __future__ import annotations

import pytest

from mado.eforms.demo import publish_demo_forms
from mado.procedures.services import seed_standard_catalogue


@pytest.fixture
def city(world, settings):
    settings.MADO_DEFAULT_MUNICIPALITY = world["city"].code
    assert seed_standard_catalogue(world["city"]).ok
    publish_demo_forms(world["city"])
    return world["city"]


@pytest.mark.parametrize("q", ["住民票", "じゅうみんひょう", "ｼﾞｭｳﾐﾝﾋｮｳ", "residence certificate"])
def test_find_juminhyo_and_its_online_form(client, city, q) -> None:
    r = client.get("/procedures/", {"q": q})
    assert r.status_code == 200
    body = r.content.decode()
    assert "住民票の写し" in body
    assert "/apply/juminhyo-utsushi/" in body


def test_online_only_lists_published_forms_first(client, city) -> None:
    rows = client.get("/procedures/", {"online": "1"}).context["rows"]
    assert rows and rows[0]["apply_url"].startswith("/apply/")
    assert all(r["channels"] for r in rows)


def test_no_results_and_odd_input(client, city) -> None:
    r = client.get("/procedures/", {"q": "存在しない手続名ですよ"})
    assert r.status_code == 200 and "見つかりませんでした" in r.content.decode()
    for q in ["%", "x" * 5000, "<script>"]:
        r = client.get("/procedures/", {"q": q})
        assert r.status_code == 200
        assert "<script>" not in r.content.decode().split("<main", 1)[1]
    # A NUL cannot be typed; a crafted one is refused with a clear 400 (core.nul_guard).
    assert client.get("/procedures/", {"q": "\x00"}).status_code == 400


def test_landing_page_links_search_and_my(client, city) -> None:
    body = client.get("/").content.decode()
    assert "/procedures/?online=1" in body and 'href="/my/"' in body
