"""A NUL character anywhere a resident or a client can put text gets a clear 400, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.mark.parametrize(
    "path",
    ["/procedures/?q=%00", "/procedures/?q=a%00b", "/navi/%00/", "/api/v1/procedures?life_event=%00"],
)
def test_nul_in_path_or_query(client: Any, world: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400


def test_nul_in_json_body_is_refused_in_the_api_shape(client: Any, world: Any) -> None:
    body = json.dumps({"values": {"name": "髙橋\x00"}})
    response = client.post(
        "/api/v1/forms/event-sanka/submissions", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_nul_in_form_fields_but_not_in_file_contents(client: Any, world: Any, rf: Any) -> None:
    from mado.core.nul_guard import has_nul

    assert client.post("/navi/", {"life_event": "birth\x00"}).status_code == 400
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\x00\x00binary", "application/pdf")
    assert not has_nul(rf.post("/apply/x/", {"note": "ok", "file": upload}))
    upload.seek(0)
    assert has_nul(rf.post("/apply/x/", {"note": "o\x00k", "file": upload}))


def test_ordinary_requests_pass(client: Any, world: Any) -> None:
    assert client.get("/procedures/?q=住民票").status_code == 200
