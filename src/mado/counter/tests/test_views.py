"""The counter screens and the pre-visit pages through Django's test client."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from mado.counter import previsit as codec
from mado.counter.models import CounterSession
from mado.submissions.models import Submission

MOVE = {"new_postal_code": "2970023", "new_address": "千葉県サンプル市新町2丁目3番4号",
        "move_date": "2026-04-01"}


def staff_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_search_start_plan_forms_confirm(family: dict[str, Any]) -> None:
    c = staff_client(family["madoguchi"])
    page = c.get("/staff/counter/", {"q": "タカハシ タロウ", "life_event": "moving_within"})
    assert page.status_code == 200 and "髙橋　太郎" in page.content.decode()
    r = c.post("/staff/counter/start/", {"resident_id": family["takahashi"].pk,
                                         "life_event": "moving_within"})
    assert r.status_code == 302
    session = CounterSession.unscoped.get()
    plan = c.get(r["Location"]).content.decode()
    assert "転居届" in plan and "一郎" in plan  # household shown, procedure proposed
    ticked = re.findall(r'name="procedures" value="([^"]+)" checked', plan)
    r = c.post(r["Location"], {**MOVE, "life_event": "moving_within", "procedures_shown": "1",
                               "procedures": ticked, "action": "forms"})
    assert r.status_code == 302 and r["Location"].endswith("/forms/")
    forms = c.get(r["Location"]).content.decode()
    assert "住民記録" in forms and "世帯" in forms and "質問" in forms
    assert "ご本人の記入 0 項目" in forms
    refused = c.post(r["Location"], {"action": "confirm"})
    assert refused.status_code == 400 and Submission.unscoped.count() == 0
    done = c.post(r["Location"], {"action": "confirm", "attested": "on"})
    assert done.status_code == 302
    assert Submission.unscoped.filter(channel="counter").count() == len(ticked)
    page = c.get(done["Location"]).content.decode()
    assert "受付が完了しました" in page
    session.refresh_from_db()
    assert session.status == "confirmed"
    pdf = c.get(f"/staff/counter/{session.pk}/forms.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_bad_input_keeps_what_was_typed(family: dict[str, Any]) -> None:
    c = staff_client(family["madoguchi"])
    r = c.post("/staff/counter/start/", {"resident_id": family["takahashi"].pk,
                                         "life_event": "moving_within"})
    bad = c.post(r["Location"], {**MOVE, "move_date": "いつか", "life_event": "moving_within"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "千葉県サンプル市新町2丁目3番4号" in body and "日付が読めません" in body


def test_other_municipality_cannot_open_a_session(family: dict[str, Any]) -> None:
    c = staff_client(family["madoguchi"])
    r = c.post("/staff/counter/start/", {"resident_id": family["takahashi"].pk,
                                         "life_event": "moving_within"})
    town = staff_client(family["town_user"])
    assert town.get(r["Location"]).status_code == 404
    assert town.post("/staff/counter/start/", {"resident_id": family["takahashi"].pk}).status_code == 400


def _previsit(client: Client, **extra: str) -> list[str]:
    data = {"life_event": "moving_within", "name": "髙橋 太郎", "name_kana": "たかはし たろう",
            "birth_date": "昭和55年4月1日", "phone": "0475-11-2222", **MOVE,
            "fact_has_my_number_card": "yes", **extra}
    page = client.post("/previsit/", data)
    assert page.status_code == 200, page.content.decode()[:2000]
    html = page.content.decode()
    assert "<svg" in html
    return re.findall(r'<code class="previsit-text">([^<]+)</code>', html)


def test_previsit_code_opens_the_same_visit_at_the_counter(family: dict[str, Any]) -> None:
    resident = Client()
    assert resident.get("/previsit/").status_code == 200
    assert resident.get("/previsit/", {"life_event": "moving_within"}).status_code == 200
    codes = _previsit(resident)
    assert codes and all(code.startswith("MADO1:") for code in codes)
    c = staff_client(family["madoguchi"])
    for code in reversed(codes):  # any order, one scan at a time
        r = c.post("/staff/counter/scan/", {"code": code})
    assert r.status_code == 302
    session = CounterSession.unscoped.get()
    assert session.identified_by == "previsit"
    assert session.resident == family["takahashi"]
    assert session.answers["new_address"] == MOVE["new_address"]
    assert session.facts == {"has_my_number_card": True}
    assert session.previsit == {"phone": "0475-11-2222"}
    plan = c.get(r["Location"]).content.decode()
    assert "マイナンバーカード" in plan


def test_previsit_bad_input_is_a_400_that_keeps_values(family: dict[str, Any]) -> None:
    page = Client().post("/previsit/", {"life_event": "moving_within", "name": "髙橋 太郎",
                                        "name_kana": "タカハシ タロウ", "birth_date": "そのうち",
                                        "new_address": "千葉県サンプル市新町1番"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "日付が読めません" in html and "千葉県サンプル市新町1番" in html and "髙橋 太郎" in html
    assert Client().get("/previsit/", {"life_event": "nonsense"}).status_code == 400


def test_tampered_or_foreign_code_is_refused(family: dict[str, Any]) -> None:
    codes = _previsit(Client())
    c = staff_client(family["madoguchi"])
    head, _, body = codes[0].rpartition(":")
    flipped = head + ":" + body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    r = c.post("/staff/counter/scan/", {"code": " ".join([flipped, *codes[1:]])})
    assert r.status_code == 400 and "改変" in r.content.decode()
    assert CounterSession.unscoped.count() == 0
    town_code = codec.encode({"e": "moving_within"}, municipality_code="129984")
    r = c.post("/staff/counter/scan/", {"code": town_code[0]})
    assert r.status_code == 400 and "他の市区町村" in r.content.decode()
    r = c.post("/staff/counter/scan/", {"code": "hello"})
    assert r.status_code == 400 and "来庁前申請のコードではありません" in r.content.decode()


def test_card_read_at_the_counter_opens_a_visit(family: dict[str, Any]) -> None:
    from mado.identity import services as identity
    from mado.identity.models import Challenge

    cards = identity.seed_demo_cards(family["city"], [family["takahashi"]], key_type="ec")
    card = next(c for c in cards if c.kind == "normal")
    c = staff_client(family["madoguchi"])
    home = c.get("/staff/counter/").content.decode()
    challenge = Challenge.objects.order_by("-expires_at").first()
    assert str(challenge.pk) in home and card.label in home
    wrong = c.post("/staff/counter/card/", {"card": card.pk, "pin": "9999", "nonce": challenge.nonce,
                                            "challenge": challenge.pk, "life_event": "moving_within"})
    assert wrong.status_code in (400, 401, 403) and CounterSession.unscoped.count() == 0
    c.get("/staff/counter/")
    challenge = Challenge.objects.filter(used_at__isnull=True).order_by("-expires_at").first()
    r = c.post("/staff/counter/card/", {"card": card.pk, "pin": identity.DEMO_PIN,
                                        "nonce": challenge.nonce, "challenge": challenge.pk,
                                        "life_event": "moving_within"})
    assert r.status_code == 302, r.content.decode()[:1500]
    session = CounterSession.unscoped.get()
    assert session.identified_by == "card" and session.identity_level == "card"
    assert session.resident == family["takahashi"]
