"""POST /api/v1/counter/sessions and GET .../forms.pdf (CONTRACT.md)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from django.test import Client

from mado.core.services import issue_token


def api(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")


def post(client: Client, body: Any) -> Any:
    return client.post("/api/v1/counter/sessions", json.dumps(body), content_type="application/json")


def test_session_with_procedures_and_prefilled_forms(family: dict[str, Any], tmp_path: Any) -> None:
    c = api(family["madoguchi"])
    r = post(c, {"resident_id": family["takahashi"].pk, "life_event": "moving_within",
                 "facts": {"has_my_number_card": True},
                 "answers": {"new_address": "千葉県サンプル市新町2丁目3番4号", "move_date": "2026-04-01"}})
    assert r.status_code == 201, r.content
    body = r.json()
    codes = {p["code"] for p in body["procedures"]}
    assert {"tenkyo-todoke", "mynumber-card-kisai-henko", "kokuho-jusho-henko"} <= codes
    tenkyo = next(f for f in body["forms"] if f["procedure"] == "tenkyo-todoke")
    assert tenkyo["sources"]["name"] == "registry" and tenkyo["sources"]["new_address"] == "question"
    assert tenkyo["values"]["name"]["family"] == "髙橋"
    assert body["counts"]["resident_written"] == 0
    pdf = c.get(f"/api/v1/counter/sessions/{body['id']}/forms.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(path), "-"],  # noqa: S603, S607 - fixed argv
                          capture_output=True, text=True, check=True).stdout
    assert "転居届" in text and "新町2丁目3番4号" in text


def test_errors_and_tenancy(family: dict[str, Any]) -> None:
    c = api(family["madoguchi"])
    r = post(c, {"resident_id": family["takahashi"].pk, "life_event": "flying"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "life_event"
    r = post(c, {"resident_id": family["takahashi"].pk, "life_event": "moving_within",
                 "facts": {"dog_owner": "maybe"}})
    assert r.status_code == 422 and "detail" in r.json()
    r = post(c, {"resident_id": "x"})
    assert r.status_code == 422
    town = api(family["town_user"])
    r = post(town, {"resident_id": family["takahashi"].pk, "life_event": "moving_within"})
    assert r.status_code == 404
    ok = post(c, {"resident_id": family["takahashi"].pk, "life_event": "moving_within"}).json()
    assert town.get(f"/api/v1/counter/sessions/{ok['id']}/forms.pdf").status_code == 404
    assert c.get("/api/v1/counter/sessions/not-a-uuid/forms.pdf").status_code == 404
    assert Client().get(f"/api/v1/counter/sessions/{ok['id']}/forms.pdf").status_code == 401
