"""The pre-visit page asks the simple fields of the move forms at home and fills the town in
from the postal code; what the resident chose reaches the forms at the counter (来庁前申請)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from django.test import Client

from mado.counter import services
from mado.counter.models import CounterSession
from mado.counter.tests.test_views import MOVE, staff_client

PERSON = {"life_event": "moving_within", "name": "髙橋 太郎", "name_kana": "タカハシ タロウ",
          "birth_date": "昭和55年4月1日"}


def _value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    return unescape(found.group(1)) if found else ""


def test_the_form_offers_the_move_forms_fields_for_the_event(family: dict[str, Any]) -> None:
    html = Client().get("/previsit/", {"life_event": "moving_within"}).content.decode()
    for name in ("home_current_school", "home_settlement", "home_change_kind"):
        assert f'name="{name}"' in html
    assert '<option value="slip">納付書</option>' in html  # choices come from the form definition
    births = Client().get("/previsit/", {"life_event": "birth"}).content.decode()
    assert "home_current_school" not in births and "home_settlement" not in births


def test_values_typed_at_home_fill_the_forms_at_the_counter(family: dict[str, Any]) -> None:
    page = Client().post("/previsit/", {**PERSON, **MOVE, "home_current_school": "第一小学校",
                                        "home_settlement": "slip", "home_change_kind": "address"})
    assert page.status_code == 200, page.content.decode()[:2000]
    codes = re.findall(r'<code class="previsit-text">([^<]+)</code>', page.content.decode())
    c = staff_client(family["madoguchi"])
    for code in codes:
        r = c.post("/staff/counter/scan/", {"code": code})
    assert r.status_code == 302
    session = CounterSession.unscoped.get()
    assert session.previsit == {"current_school": "第一小学校", "settlement": "slip",
                                "change_kind": "address"}
    services.update_plan(session, procedures=["tennyugaku-shogakko", "suido-shiyo-chushi",
                                              "jidoteate-henko-todoke"])
    forms = {f.code: f for f in services.filled_forms(session)}
    assert forms["counter-tennyugaku-sho"].values["current_school"] == "第一小学校"
    assert forms["counter-tennyugaku-sho"].sources["current_school"] == "previsit"
    assert forms["counter-suido-chushi"].values["settlement"] == "slip"
    assert forms["counter-suido-chushi"].ok and forms["counter-jidoteate-henko"].ok
    assert services.counts(list(forms.values()), session)["fields_previsit"] >= 3


def test_a_choice_not_in_the_form_is_a_400_that_keeps_the_input(family: dict[str, Any]) -> None:
    page = Client().post("/previsit/", {**PERSON, **MOVE, "home_settlement": "cash",
                                        "home_current_school": "第一小学校"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "選択肢から選んでください" in html and 'href="#id_home_settlement"' in html
    assert _value(html, "home_current_school") == "第一小学校"
    assert _value(html, "new_address") == MOVE["new_address"]


def test_postal_code_fills_in_the_town_and_asks_for_the_number(family: dict[str, Any]) -> None:
    page = Client().post("/previsit/", {**PERSON, "new_postal_code": "100-0001",
                                        "move_date": "2026-04-01"})
    assert page.status_code == 400
    html = page.content.decode()
    assert _value(html, "new_address") == "東京都千代田区千代田"
    assert "番地を続けて入力してください" in html and "<svg" not in html
    done = Client().post("/previsit/", {**PERSON, "new_postal_code": "100-0001",
                                        "move_date": "2026-04-01",
                                        "new_address": "東京都千代田区千代田1番1号"})
    assert done.status_code == 200 and "<svg" in done.content.decode()
    unknown = Client().post("/previsit/", {**PERSON, "new_postal_code": "0000000"})
    assert unknown.status_code == 400
    assert "新しい住所を入力してください" in unknown.content.decode()
