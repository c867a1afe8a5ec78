"""Fixtures of the register tests: a small fee catalogue in both municipalities, signed-in clients."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mado.procedures.catalogue import clear_cache
from mado.procedures.services import import_catalogue

CITY_CATALOGUE = {
    "departments": [{"code": "kankyo", "name": "環境課"}],
    "procedures": [
        {"code": "juminhyo-utsushi", "name": "住民票の写しの交付", "department": "shimin",
         "channels": ["counter", "mail"], "fee": 300, "fee_unit": "per_copy", "life_events": []},
        {"code": "koseki-shomeisho", "name": "戸籍全部事項証明書の交付", "department": "shimin",
         "channels": ["counter"], "fee": 450, "fee_unit": "per_copy", "life_events": []},
        {"code": "sodai-gomi", "name": "粗大ごみ処理券", "department": "kankyo",
         "channels": ["counter"], "fee": 300, "fee_unit": "fixed", "life_events": []},
        {"code": "tenshutsu", "name": "転出届", "department": "shimin",
         "channels": ["counter"], "fee": 0, "fee_unit": "none", "life_events": []},
    ],
}  # fmt: skip
TOWN_CATALOGUE = {
    "procedures": [
        {"code": "juminhyo-utsushi", "name": "住民票の写し（テスト町）", "department": "jumin",
         "channels": ["counter"], "fee": 200, "fee_unit": "per_copy", "life_events": []},
    ],
}  # fmt: skip


@pytest.fixture
def fees(world: dict[str, Any]) -> dict[str, Any]:
    clear_cache()
    for municipality, catalogue in ((world["city"], CITY_CATALOGUE), (world["town"], TOWN_CATALOGUE)):
        report = import_catalogue(municipality, catalogue)
        assert report.ok, report.errors
    yield world
    clear_cache()


@pytest.fixture
def cashier(fees: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(fees["madoguchi"])
    return client


@pytest.fixture
def town_cashier(fees: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(fees["town_user"])
    return client
