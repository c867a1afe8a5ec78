"""Every demo form (eforms/data/forms/*.json) opens, and each of its steps renders and validates.

A resident must never meet a 500 on a seeded form: each step is shown (200)
and an empty submit answers 302 (nothing required) or 400 (messages), with
the card identity that satisfies every form's identity level.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from mado.apply.tests.conftest import card_identity, publish, sign_in
from mado.procedures.models import Procedure
from mado.procedures.services import seed_standard_catalogue

FORMS_DIR = Path(__file__).resolve().parents[2] / "eforms" / "data" / "forms"
DEMO_FORMS = sorted(FORMS_DIR.glob("*.json")) if FORMS_DIR.exists() else []


@pytest.mark.skipif(not DEMO_FORMS, reason="デモ様式がありません / no demo forms yet")
@pytest.mark.parametrize("path", DEMO_FORMS, ids=[p.stem for p in DEMO_FORMS])
def test_demo_form_steps_render_and_validate(world: Any, path: Path, settings: Any,
                                             tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    definition = json.loads(path.read_text(encoding="utf-8"))
    city = world["city"]
    seed_standard_catalogue(city)
    code = definition["procedure"]
    if not Procedure.unscoped.filter(municipality=city, code=code).exists():
        pytest.skip(f"手続 {code} が標準カタログにありません / {code} not in the standard catalogue")
    publish(city, definition)
    client = Client()
    sign_in(client, card_identity(world["takahashi"], city))
    base = f"/apply/{code}/"
    assert client.get(base).status_code == 200
    assert client.post(base + "start/").status_code == 302
    for step in definition["steps"]:
        page = client.get(f"{base}{step['key']}/")
        assert page.status_code == 200, step["key"]
        assert 'aria-current="step"' in page.content.decode()
        response = client.post(f"{base}{step['key']}/", {"_action": "next"})
        assert response.status_code in (302, 400), (step["key"], response.status_code)
    assert client.get(base + "review/").status_code in (200, 302)
