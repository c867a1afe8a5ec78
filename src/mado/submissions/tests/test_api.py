"""``POST /api/v1/forms/{code}/submissions``: the web flow's pipeline behind JSON, 4xx for bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mado.core.services import issue_token
from mado.eforms import services as eforms
from mado.eforms.demo import demo_definitions
from mado.procedures.services import seed_standard_catalogue
from mado.submissions.events import FORM_STARTED, SUBMITTED
from mado.submissions.models import ServiceEvent, StatusChange, Submission

URL = "/api/v1/forms/{}/submissions"

VALUES = {
    "event": "walk",
    "name": {"family": "髙橋", "given": "花子", "family_kana": "たかはし", "given_kana": "ﾊﾅｺ"},
    "email": "hanako@example.jp",
    "phone": "０４７５－２３－１１１１",
    "resident": "city",
    "participants": [{"full_name": "髙橋 花子", "furigana": "ﾀｶﾊｼ ﾊﾅｺ", "age": "42"}],
    "photo_consent": True,
}


def _publish(municipality: Any, code: str) -> None:
    definition = next(d for d in demo_definitions() if d["code"] == code)
    version = eforms.import_json(municipality, definition, user=None)
    eforms.publish(version, user=None)


@pytest.fixture
def city(world: dict[str, Any], settings: Any) -> Any:
    settings.MADO_DEFAULT_MUNICIPALITY = world["city"].code
    city = world["city"]
    assert seed_standard_catalogue(city).ok
    _publish(city, "event-sanka")
    _publish(city, "jidoteate-nintei")
    return city


def post(client: Any, code: str, body: Any, **headers: Any) -> Any:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(URL.format(code), data=data, content_type="application/json", **headers)


def test_submit_goes_through_the_web_pipeline(client: Any, city: Any) -> None:
    r = post(client, "event-sanka", {"values": VALUES})
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"receipt_number", "status", "submitted_at"}
    assert body["status"] == "submitted" and body["submitted_at"]
    sub = Submission.unscoped.get(receipt_number=body["receipt_number"])
    assert sub.municipality == city and sub.channel == "web" and sub.identity_level == "none"
    assert sub.form_version.definition["code"] == "event-sanka"
    # Normalised like the web flow (kana to full-width katakana, digits-only phone),
    # and the field hidden by logic (allergies, only for cooking/bosai) is not stored.
    assert sub.data["participants"][0]["furigana"] == "タカハシ\u3000ハナコ"
    assert sub.data["name"]["given_kana"] == "ハナコ"
    assert sub.data["phone"] == "0475231111"
    assert "allergies" not in sub.data
    kinds = list(ServiceEvent.unscoped.filter(submission=sub).values_list("kind", flat=True))
    assert FORM_STARTED in kinds and SUBMITTED in kinds
    submitted = ServiceEvent.unscoped.get(submission=sub, kind=SUBMITTED)
    assert submitted.fields_typed == 7 and submitted.fields_prefilled == 0
    assert StatusChange.unscoped.filter(submission=sub, to_status="submitted").count() == 1
    second = post(client, "event-sanka", {"values": VALUES}).json()
    assert second["receipt_number"] != body["receipt_number"]


def test_validation_errors_name_the_field(client: Any, city: Any) -> None:
    values = {**VALUES, "event": "cooking", "email": "not-an-address"}
    r = post(client, "event-sanka", {"values": values})
    assert r.status_code == 422
    data = r.json()
    assert data["detail"].startswith("入力内容に誤りがあります")
    locs = {tuple(e["loc"]): e["msg"] for e in data["errors"]}
    assert ("values", "email") in locs
    assert ("values", "allergies") in locs  # required by logic when the event is cooking
    assert all(msg for msg in locs.values())
    missing = post(client, "event-sanka", {"values": {"event": "walk"}}).json()
    assert ["values", "phone"] in [e["loc"] for e in missing["errors"]]
    assert not Submission.unscoped.exists()


def test_unknown_procedure_or_no_published_form_is_404(client: Any, city: Any) -> None:
    assert post(client, "no-such-procedure", {"values": {}}).status_code == 404
    r = post(client, "juminhyo-utsushi", {"values": {}})  # in the catalogue, no form published
    assert r.status_code == 404 and "detail" in r.json()


def test_forms_needing_identity_are_refused(client: Any, city: Any) -> None:
    r = post(client, "jidoteate-nintei-seikyu", {"values": {}})
    assert r.status_code == 403, r.content
    detail = r.json()["detail"]
    assert (
        "本人確認" in detail and "sign in" in detail and "/apply/jidoteate-nintei-seikyu/" in detail
    )
    assert not Submission.unscoped.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"\xff\xfe",
        b"null",
        b"[]",
        b'"x"',
        b"42",
        {"values": []},
        {"values": "x"},
        {"vals": {}},
        {"values": {"event": {"$gt": 1}, "participants": "many", "phone": [1, 2]}},
        {"values": {"participants": [None, 3, "x"] * 50, "name": 7}},
        {"values": {"event": "x" * 100_000}},
    ],
)
def test_garbage_is_a_4xx_never_a_5xx(client: Any, city: Any, body: Any) -> None:
    r = post(client, "event-sanka", body)
    assert 400 <= r.status_code < 500, (r.status_code, r.content[:200])
    assert "detail" in r.json()
    assert not Submission.unscoped.exists()


def test_oversized_body_is_refused(client: Any, city: Any) -> None:
    r = post(client, "event-sanka", {"values": {**VALUES, "needs": "あ" * 300_000}})
    assert r.status_code == 413


def test_tenant_isolation_with_a_town_token(client: Any, city: Any, world: dict[str, Any]) -> None:
    town = world["town"]
    token = issue_token(world["town_user"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    # The city's form is not the town's: the token's municipality decides, not the host.
    assert post(client, "event-sanka", {"values": VALUES}, **auth).status_code == 404
    assert seed_standard_catalogue(town).ok
    _publish(town, "event-sanka")
    r = post(client, "event-sanka", {"values": VALUES}, **auth)
    assert r.status_code == 201, r.content
    sub = Submission.unscoped.get(receipt_number=r.json()["receipt_number"], municipality=town)
    assert sub.form_version.municipality_id == town.pk
    assert not Submission.unscoped.filter(municipality=city).exists()
    bad = post(client, "event-sanka", {"values": VALUES}, HTTP_AUTHORIZATION="Bearer nope")
    assert bad.status_code == 401


def test_body_over_djangos_upload_limit_is_a_4xx(client: Any, city: Any) -> None:
    r = post(client, "event-sanka", b'{"values": {"needs": "' + b"a" * 3_000_000 + b'"}}')
    assert 400 <= r.status_code < 500, r.status_code
