"""Fixtures of the apply tests: a published form with a group, logic and a file field.

The form is built here (not taken from the demo seed) so each test is about
the flow's behaviour. Identity goes into the session the way the identity app
keeps it (``identity.services.SESSION_KEY``).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mado.eforms import services as eforms
from mado.eforms.models import FormVersion
from mado.identity import services as identity_services
from mado.procedures.services import import_catalogue

CODE = "juminhyo-utsushi"
CATALOGUE = {
    "departments": [{"code": "shimin", "name": "市民課", "location": "1階 1番"}],
    "procedures": [{"code": CODE, "name": "住民票の写しの交付", "department": "shimin",
                    "channels": ["online", "counter", "mail"], "fee": 300,
                    "fee_unit": "per_copy", "life_events": []}],
}
DEFINITION: dict[str, Any] = {
    "schema": 1, "code": "test-juminhyo", "title": "住民票の写しの郵送請求（テスト）",
    "title_en": "Residence certificate by mail (test)", "procedure": CODE,
    "description": "テスト用の様式です。", "identity": "card",
    "steps": [
        {"key": "applicant", "title": "請求する方", "fields": [
            {"key": "name", "type": "name", "label": "氏名", "required": True,
             "prefill": "identity.name", "help": "カードの氏名が入ります。"},
            {"key": "name_kana", "type": "kana", "label": "氏名（フリガナ）", "required": True,
             "prefill": "registry.name_kana"},
            {"key": "birth_date", "type": "date", "label": "生年月日", "required": True,
             "prefill": "identity.birth_date"},
            {"key": "address", "type": "address", "label": "住所", "required": True,
             "prefill": "identity.address"},
            {"key": "email", "type": "email", "label": "メールアドレス", "required": True,
             "prefill": "identity.email"},
        ]},
        {"key": "request", "title": "請求の内容", "fields": [
            {"key": "h1", "type": "section", "label": "通数と手数料"},
            {"key": "copies", "type": "number", "label": "通数", "min": 1, "max": 10,
             "required": True, "default": 1},
            {"key": "fee_total", "type": "money", "label": "手数料の合計"},
            {"key": "applicant_type", "type": "choice", "label": "請求する方との関係",
             "required": True, "choices": [{"value": "self", "label": "本人"},
                                           {"value": "proxy", "label": "代理人"}]},
            {"key": "proxy_doc", "type": "file", "label": "委任状",
             "accept": ["image/png", "application/pdf"], "max_size": 2000},
            {"key": "other_date", "type": "date", "label": "必要な日"},
            {"key": "members", "type": "group", "label": "世帯員", "max": 5, "fields": [
                {"key": "member_name", "type": "text", "label": "世帯員の氏名"},
                {"key": "member_kana", "type": "kana", "label": "世帯員のフリガナ"},
            ]},
        ]},
    ],
    "logic": [
        {"action": "show", "target": "proxy_doc", "when": "applicant_type == \"proxy\""},
        {"action": "require", "target": "proxy_doc", "when": "applicant_type == \"proxy\""},
        {"action": "compute", "target": "fee_total", "expr": "copies * 300"},
    ],
}
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81"
       b"\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def publish(municipality: Any, definition: dict[str, Any] = DEFINITION) -> FormVersion:
    """Create and publish the form the way staff do (eforms services: validated, audited)."""
    form = eforms.create_form(municipality, definition, user=None)
    return eforms.publish(eforms.latest_version(form), user=None)


def card_identity(resident: Any, municipality: Any) -> dict[str, Any]:
    return {"level": "card", "name": resident.full_name, "birth_date": resident.birth_date.isoformat(),
            "sex": resident.sex, "address": resident.address, "email": "taro@example.jp",
            "subject": f"CARD-{resident.pk:06d}", "resident_id": resident.pk,
            "municipality": municipality.code}


def sign_in(client: Client, identity: dict[str, Any]) -> None:
    session = client.session
    session[identity_services.SESSION_KEY] = {"identity": identity, "at": timezone.now().isoformat()}
    session.save()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings.MEDIA_ROOT


@pytest.fixture
def city_form(world: dict[str, Any]) -> FormVersion:
    for m in (world["city"], world["town"]):
        report = import_catalogue(m, CATALOGUE)
        assert report.ok, report.errors
    return publish(world["city"])


@pytest.fixture
def card_client(world: dict[str, Any], city_form: FormVersion) -> Client:
    client = Client()
    sign_in(client, card_identity(world["takahashi"], world["city"]))
    return client
