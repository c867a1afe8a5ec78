"""Fixtures for submissions tests: a small catalogue in each municipality, media under tmp."""

from __future__ import annotations

from typing import Any

import pytest

from mado.procedures.models import Procedure
from mado.procedures.services import import_catalogue

CATALOGUE = {
    "departments": [{"code": "shimin", "name": "市民課", "location": "1階 1番"}],
    "procedures": [
        {
            "code": "juminhyo-utsushi",
            "name": "住民票の写しの交付",
            "department": "shimin",
            "channels": ["online", "counter", "mail"],
            "fee": 300,
            "fee_unit": "per_copy",
            "life_events": [],
        }
    ],
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def proc(world: dict[str, Any]) -> Procedure:
    for m in (world["city"], world["town"]):
        report = import_catalogue(m, CATALOGUE)
        assert report.ok, report.errors
    return Procedure.unscoped.get(municipality=world["city"], code="juminhyo-utsushi")


@pytest.fixture
def town_proc(proc: Procedure, world: dict[str, Any]) -> Procedure:
    return Procedure.unscoped.get(municipality=world["town"], code="juminhyo-utsushi")


CARD = {
    "level": "card",
    "name": "髙橋 太郎",
    "birth_date": "1980-04-01",
    "sex": "M",
    "address": "千葉県茂原市町保1番地",
    "email": "taro@example.jp",
    "subject": "CARD-SERIAL-0001",
    "resident_id": None,
}
EMAIL = {"level": "email", "email": "hanako@example.jp", "subject": "hanako@example.jp"}
