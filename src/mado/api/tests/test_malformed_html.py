"""Malformed input on the resident HTML pages: 200 (the form again, with its message) or 4xx.

Why: the resident site is the biggest surface — anyone can POST to /apply/,
/navi/ and search /procedures/. NUL bytes (which PostgreSQL refuses in text),
fields far above any sane size and invalid encodings must come back as a
page that says what is wrong, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client

NASTY = ["\x00", "た\x00か", "x" * 200_000, "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
         "../../etc/passwd", "<script>alert(1)</script>", "令和99年13月32日"]  # fmt: skip
OK = {200, 400, 403, 404, 405, 413}


def _ok(response: Any, what: str) -> None:
    """Redirects are followed (the apply flow sends you to the step with the problem)."""
    chain = [code for _url, code in getattr(response, "redirect_chain", [])]
    assert response.status_code in OK, f"{what}: {chain} -> {response.status_code}"


def test_procedure_search(api_world: dict[str, Any]) -> None:
    client = Client()
    for q in NASTY:
        _ok(client.get("/procedures/", {"q": q}), f"/procedures/?q={q[:20]!r}")
    _ok(client.get("/procedures/?q=%ff%fe%00"), "raw bytes")


def test_navigator_posts(api_world: dict[str, Any]) -> None:
    client = Client()
    for life_event in ("moving_within", "birth", "%00", "x" * 3000):
        for value in NASTY:
            fields = {"has_my_number_card": value, "children_ages": value, "life_event": value,
                      value[:50]: value}  # fmt: skip
            _ok(client.post(f"/navi/{life_event}/", fields, follow=True), f"/navi/{life_event[:20]}/ {value[:20]!r}")
    _ok(client.post("/navi/", {"life_event": "\x00"}), "/navi/ NUL")


def test_apply_posts(api_world: dict[str, Any]) -> None:
    client = Client()
    code = api_world["form_code"]
    start = client.post(f"/apply/{code}/start/")
    assert start.status_code in (200, 302), start.status_code
    step = start["Location"] if start.status_code == 302 else f"/apply/{code}/"
    for value in NASTY:
        fields = {"event": value, "name-family": value, "name-given": value, "email": value,
                  "phone": value, "participants-0-age": value, value[:50]: value}  # fmt: skip
        for url in (step, f"/apply/{code}/review/", f"/apply/{code}/save/", f"/apply/{code}/"):
            _ok(client.post(url, fields, follow=True), f"{url} {value[:20]!r}")
    huge = "あ" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440)
    _ok(client.post(step, {"event": huge}, follow=True), f"{step} body over the upload limit")
    many = {f"f{i}": "x" for i in range((settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or 1000) + 10)}
    _ok(client.post(step, many, follow=True), f"{step} too many fields")
    for path in ("/apply/%00/", "/apply/..%2f..%2f/", "/apply/" + "x" * 3000 + "/"):
        _ok(client.post(path, {"a": "b"}), path[:40])
