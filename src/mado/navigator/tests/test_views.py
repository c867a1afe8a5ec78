"""The resident navigator pages, driven like a resident would: read the form, answer, submit.

A small catalogue is built in each test (so every assertion is about the
navigator, not about what the standard catalogue happens to contain); one
test walks the standard catalogue too when its JSON exists.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mado.navigator import services
from mado.navigator.views import STEP_SIZE
from mado.procedures.catalogue import clear_cache
from mado.procedures.facts import FACT_ORDER, LIFE_EVENTS
from mado.procedures.services import STANDARD_CATALOGUE, import_catalogue, seed_standard_catalogue


def proc(code: str, name: str, department: str, order: int, rules: list[dict[str, str]] = (),
         **extra: Any) -> dict[str, Any]:
    data = {"code": code, "name": name, "name_en": extra.pop("name_en", f"EN {name}"),
            "department": department, "plan_order": order, "life_events": ["moving_in"],
            "rules": list(rules), "channels": ["counter"],
            "documents": [f"{name}の持ち物"]}
    data.update(extra)
    return data


def rule(when: str, reason: str, reason_en: str = "") -> dict[str, str]:
    return {"when": when, "reason": reason, "reason_en": reason_en or f"EN {reason}"}


SMALL_CATALOGUE = {
    "version": 1,
    "departments": [
        {"code": "kosodate", "name": "子育て支援課", "location": "本庁舎2階", "sort_order": 30},
        {"code": "gakko", "name": "学校教育課", "location": "分庁舎3階", "sort_order": 60},
        {"code": "kankyo", "name": "環境課", "location": "本庁舎4階", "sort_order": 70},
        {"code": "kaigo", "name": "高齢介護課", "location": "本庁舎1階", "sort_order": 50},
    ],
    "procedures": [
        proc("tennyu-todoke", "転入届", "shimin", 10, default_reason="市外から転入されるため",
             default_reason_en="You are moving in from another municipality",
             deadline="転入した日から14日以内"),
        proc("mynumber-card-address", "マイナンバーカードの住所変更", "shimin", 12,
             [rule("has_my_number_card", "マイナンバーカードをお持ちのため")]),
        proc("inkan-toroku", "印鑑登録", "shimin", 14,
             [rule("seal_registered", "前の住所で印鑑登録をしていたため")],
             fee=300, fee_unit="fixed"),
        proc("kokuho-kanyu", "国民健康保険の加入", "hoken", 20,
             [rule("national_health_insurance", "国民健康保険に加入するため")]),
        proc("kouki-koureisha", "後期高齢者医療の住所変更", "hoken", 22,
             [rule("members_75_plus > 0", "75歳以上の方がいるため")]),
        proc("jidou-teate", "児童手当の認定請求", "kosodate", 30,
             [rule("any_between(children_ages, 0, 18)", "18歳未満のお子さんがいるため",
                   "You have children under 18")],
             channels=["counter", "online"], external_url="https://example.invalid/jidou"),
        proc("kodomo-iryo", "子ども医療費助成", "kosodate", 31,
             [rule("any_between(children_ages, 0, 15)", "中学生以下のお子さんがいるため")]),
        proc("tennyugaku", "転入学（小学校・中学校）", "gakko", 40,
             [rule("any_between(children_ages, 6, 14)", "小学生・中学生のお子さんがいるため")]),
        proc("kaigo-hoken", "介護保険の住所変更", "kaigo", 50,
             [rule("members_65_plus > 0", "65歳以上の方がいるため")]),
        proc("inu-toroku", "犬の登録（所在地変更）", "kankyo", 60,
             [rule("dog_owner", "犬を飼っているため")]),
        proc("juminhyo", "住民票の写し", "shimin", 5, life_events=[], fee=300,
             fee_unit="per_copy"),
    ],
}

MOVE_IN_ANSWERS = {
    "household_size": "4",
    "children_ages": "３、７",
    "members_65_plus": "0",
    "members_75_plus": "0",
    "national_health_insurance": "yes",
    "employee_insurance": "no",
    "national_pension_type1": "yes",
    "dog_owner": "yes",
    "has_my_number_card": "yes",
    "same_prefecture": "no",
    "seal_registered": "no",
    "foreign_resident": "no",
    "pregnant": "no",
    "disability_certificate": "no",
    "long_term_care_certified": "no",
    "child_allowance_recipient": "no",
    "single_parent": "no",
}


class FormReader(HTMLParser):
    """The inputs of the navigator's form: hidden ones and the visible questions."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.hidden: list[tuple[str, str]] = []
        self.questions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "navi-form" in a.get("class", ""):
            self.in_form = True
        elif tag == "input" and self.in_form:
            if a.get("type") == "hidden":
                self.hidden.append((a["name"], a.get("value", "")))
            elif a["name"] not in self.questions:
                self.questions.append(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


def procedure_names(html: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'<h3 id="proc-[^"]+">(.*?)</h3>', html)]


def walk(client: Client, life_event: str, answers: dict[str, str],
         max_steps: int = 10) -> tuple[str, list[list[str]]]:
    """Answer every step's questions from ``answers``; (plan page HTML, questions per step)."""
    url = reverse("navigator:event", args=[life_event])
    response = client.get(url)
    steps: list[list[str]] = []
    for _ in range(max_steps):
        assert response.status_code == 200, response.content.decode()[:2000]
        html = response.content.decode()
        form = read_form(html)
        if not form.questions:
            return html, steps
        steps.append(form.questions)
        missing = [q for q in form.questions if q not in answers]
        assert not missing, f"asked {missing}, which the test has no answer for"
        query = form.hidden + [(q, answers[q]) for q in form.questions]
        response = client.get(f"{url}?{urlencode(query)}")
    raise AssertionError(f"no plan after {max_steps} steps: {steps}")


@pytest.fixture
def city(world: dict[str, Any]) -> Any:
    clear_cache()
    report = import_catalogue(world["city"], SMALL_CATALOGUE)
    assert report.ok, report.errors
    yield world["city"]
    clear_cache()


@pytest.fixture
def english(client: Client) -> Iterator[Client]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.deactivate()  # the test client leaves the request's language active


def test_home_offers_every_life_event_with_a_link(client: Client, city: Any) -> None:
    response = client.get("/navi/")
    assert response.status_code == 200
    html = response.content.decode()
    for code, label in LIFE_EVENTS.items():
        assert f'href="/navi/{code}/"' in html
        assert str(label) in html
    assert "引越してくるとき" in html  # the short plain-Japanese description


def test_move_in_family_reaches_their_plan_in_few_questions(client: Client, city: Any) -> None:
    html, steps = walk(client, "moving_in", MOVE_IN_ANSWERS)
    asked = [q for step in steps for q in step]
    assert len(asked) <= 8, steps
    assert len(asked) == len(set(asked)), f"a question was asked twice: {steps}"
    assert all(len(step) <= STEP_SIZE for step in steps)
    for step in steps:  # in the catalogue's fact order
        assert step == sorted(step, key=FACT_ORDER.__getitem__)
    assert "pregnant" not in asked and "household_size" not in asked  # no rule uses them

    names = procedure_names(html)
    assert names == [
        "転入届", "マイナンバーカードの住所変更", "国民健康保険の加入", "児童手当の認定請求",
        "子ども医療費助成", "転入学（小学校・中学校）", "犬の登録（所在地変更）",
    ]
    assert "介護保険" not in html and "後期高齢者" not in html
    assert "住民票の写し" not in html  # no life event: never proposed
    # Grouped by counter, with the place; the reason and what to bring per procedure.
    assert html.index("1. 市民課") < html.index("2. 保険年金課") < html.index("3. 子育て支援課")
    assert "本庁舎2階" in html
    assert "18歳未満のお子さんがいるため" in html
    assert "児童手当の認定請求の持ち物" in html
    assert "転入した日から14日以内" in html
    assert "無料" in html
    assert 'href="https://example.invalid/jidou"' in html  # online link from apply_url
    assert "必要な手続は7件、行く窓口は5か所です。" in html
    assert re.search(r'href="/navi/sheet/[^"/]+/"', html)
    assert re.search(r'href="/navi/sheet/[^"/]+\.pdf"', html)


def test_each_step_carries_earlier_answers_and_asks_only_what_is_pending(
    client: Client, city: Any
) -> None:
    first = read_form(client.get("/navi/moving_in/").content.decode())
    assert first.questions == ["children_ages", "members_65_plus", "members_75_plus",
                               "national_health_insurance"]
    query = urlencode([("asked", ",".join(first.questions)), ("children_ages", ""),
                       ("members_65_plus", "2"), ("members_75_plus", "0"),
                       ("national_health_insurance", "no")])
    second = read_form(client.get(f"/navi/moving_in/?{query}").content.decode())
    assert ("children_ages", "") in second.hidden and ("members_65_plus", "2") in second.hidden
    assert second.questions == ["dog_owner", "has_my_number_card", "seal_registered"]
    html, _ = walk(client, "moving_in", {**MOVE_IN_ANSWERS, "children_ages": "",
                                          "members_65_plus": "2"})
    names = procedure_names(html)
    assert "介護保険の住所変更" in names and "児童手当の認定請求" not in names


@pytest.mark.parametrize("typed", ["abc", "-3", "－３", "3, x", "200"])
def test_invalid_ages_answer_400_with_the_input_kept_and_the_error_tied_to_the_field(
    client: Client, city: Any, typed: str
) -> None:
    query = urlencode({"asked": "children_ages,members_65_plus", "children_ages": typed,
                       "members_65_plus": "1"})
    response = client.get(f"/navi/moving_in/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    field = re.search(r'<input type="text" id="q-children_ages"[^>]*>', html)
    assert field, html
    tag = field.group(0)
    assert f'value="{typed}"' in unescape(tag)
    assert 'aria-invalid="true"' in tag
    assert re.search(r'aria-describedby="q-children_ages-error', tag)
    assert 'id="q-children_ages-error"' in html
    assert "Enter" in html and ("入力してください" in html)  # bilingual
    assert 'href="#q-children_ages"' in html  # the error summary links to the field
    assert 'value="1"' in html  # the other answer of the step is kept too


def test_full_width_and_ideographic_commas_are_accepted(client: Client, city: Any) -> None:
    query = urlencode({"asked": "children_ages", "children_ages": "１２　、３,７"})
    response = client.get(f"/navi/moving_in/?{query}")
    assert response.status_code == 200
    assert ("children_ages", "3,7,12") in read_form(response.content.decode()).hidden


def test_an_unanswered_question_of_the_step_is_reported(client: Client, city: Any) -> None:
    response = client.get("/navi/moving_in/?" + urlencode({"asked": "dog_owner",
                                                           "children_ages": "3"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "この質問に答えてください / Please answer this question." in html
    assert re.search(r'<fieldset[^>]*id="q-dog_owner"[^>]*aria-invalid="true"', html)


def test_a_bad_hidden_value_is_a_400_never_a_500(client: Client, city: Any) -> None:
    for query in ({"dog_owner": "maybe"}, {"members_65_plus": "x" * 5000},
                  {"members_65_plus": "99999999999999999999999"}):
        response = client.get("/navi/moving_in/?" + urlencode(query))
        assert response.status_code == 400, query


def test_unknown_life_event_is_a_404_page(client: Client, city: Any) -> None:
    response = client.get("/navi/retirement/")
    assert response.status_code == 404
    assert "その出来事（ライフイベント）はありません" in response.content.decode()


def test_show_plan_early_lists_what_may_still_apply(client: Client, city: Any) -> None:
    response = client.get("/navi/moving_in/?show=plan&children_ages=4")
    html = response.content.decode()
    assert response.status_code == 200
    assert "児童手当の認定請求" in procedure_names(html)
    assert "必要になるかもしれない手続" in html and "介護保険の住所変更" in html
    assert "犬を飼っていますか" in html  # the question that decides it


def test_change_answers_shows_every_answer_prefilled(client: Client, city: Any) -> None:
    html, _ = walk(client, "moving_in", MOVE_IN_ANSWERS)
    edit = re.search(r'href="(/navi/moving_in/\?[^"]*edit=1)"', html)
    assert edit
    form_html = client.get(unescape(edit.group(1))).content.decode()
    form = read_form(form_html)
    assert {"children_ages", "dog_owner", "national_health_insurance"} <= set(form.questions)
    assert re.search(r'id="q-dog_owner-yes"[^>]*checked', form_html)
    assert 'value="3,7"' in form_html


def sheet_token_from(html: str) -> str:
    match = re.search(r'href="/navi/sheet/([^"/]+)/"', html)
    assert match
    return unescape(match.group(1))


def test_guide_sheet_lists_the_plan_with_checkboxes_and_the_date(client: Client, city: Any) -> None:
    html, _ = walk(client, "moving_in", {**MOVE_IN_ANSWERS, "seal_registered": "yes"})
    token = sheet_token_from(html)
    response = client.get(reverse("navigator:sheet", args=[token]))
    assert response.status_code == 200
    sheet = response.content.decode()
    assert "サンプル市 窓口案内シート" in sheet
    assert re.search(r"令和\d+年\d+月\d+日|令和元年", sheet)
    assert sheet.count("☐") == 8
    assert "印鑑登録" in sheet and "本庁舎2階" in sheet
    assert "手数料の合計（定額のもの）: 300円" in sheet
    assert "@page" in (settings.BASE_DIR / "static/mado/navigator.css").read_text()


@pytest.mark.parametrize("view", ["navigator:sheet", "navigator:sheet_pdf"])
def test_tampered_or_foreign_tokens_are_a_400(client: Client, city: Any, view: str) -> None:
    good = services.sheet_token("moving_in", {"dog_owner": True})
    forged_event = signing.dumps({"e": "nope", "f": {}}, salt=services.SHEET_SALT)
    forged_facts = signing.dumps({"e": "moving_in", "f": {"children_ages": ["x"]}},
                                 salt=services.SHEET_SALT)
    wrong_shape = signing.dumps(["moving_in"], salt=services.SHEET_SALT)
    other_salt = signing.dumps({"e": "moving_in", "f": {}}, salt="elsewhere")
    for token in (good[:-3] + "AAA", "x", forged_event, forged_facts, wrong_shape, other_salt):
        response = client.get(reverse(view, args=[token]))
        assert response.status_code == 400, token
        assert "有効期限" in response.content.decode()
    assert client.get(reverse(view, args=[good])).status_code == 200


def test_pdf_sheet_is_a_pdf_with_the_procedures_and_the_city(
    client: Client, city: Any, tmp_path: Any
) -> None:
    token = services.sheet_token("moving_in", {
        "children_ages": [3, 7], "dog_owner": True, "national_health_insurance": True,
        "members_65_plus": 0, "members_75_plus": 0, "has_my_number_card": True,
        "seal_registered": False})
    response = client.get(reverse("navigator:sheet_pdf", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) がないため本文は確かめません / "
                    "pdftotext is not installed, PDF text not checked")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S603, S607
                          capture_output=True, check=True, text=True).stdout
    flat = re.sub(r"\s+", "", text)
    for expected in ("サンプル市", "窓口案内シート", "転入届", "国民健康保険の加入",
                     "児童手当の認定請求", "犬の登録（所在地変更）", "子育て支援課", "本庁舎2階"):
        assert expected in flat, expected
    assert "介護保険" not in flat


def test_english_uses_english_names_and_reasons(english: Client, city: Any) -> None:
    html, _ = walk(english, "moving_in", MOVE_IN_ANSWERS)
    assert '<html lang="en">' in html
    assert "EN 児童手当の認定請求" in procedure_names(html)
    assert "You have children under 18" in html
    assert "You are moving in from another municipality" in html
    assert "Free" in html
    response = english.get("/navi/moving_in/?" + urlencode({"asked": "children_ages",
                                                            "children_ages": "abc"}))
    assert response.status_code == 400
    assert "Enter the ages as numbers" in response.content.decode()


def test_without_a_municipality_the_navigator_says_so(client: Client, db: Any) -> None:
    assert client.get("/navi/").status_code == 200
    assert client.get("/navi/moving_in/").status_code == 404
    assert client.get(reverse("navigator:sheet", args=["x"])).status_code == 404


needs_standard = pytest.mark.skipif(not STANDARD_CATALOGUE.exists(),
                                    reason="standard_catalogue.json がありません / not written yet")


@pytest.fixture
def standard(world: dict[str, Any]) -> Any:
    clear_cache()
    report = seed_standard_catalogue(world["city"])
    assert report.ok, report.errors[:5]
    yield world["city"]
    clear_cache()


@needs_standard
def test_move_in_with_the_standard_catalogue(client: Client, standard: Any) -> None:
    html, steps = walk(client, "moving_in", MOVE_IN_ANSWERS)
    asked = [q for step in steps for q in step]
    assert len(asked) <= 8, steps  # issue 3: at most 8 questions for a typical move-in
    names = procedure_names(html)
    joined = "\n".join(names)
    for expected in ("転入届", "国民健康保険", "児童手当", "子ども医療費", "転入学", "犬",
                     "マイナンバーカード"):
        assert expected in joined, (expected, names)
    assert not [n for n in names if "介護保険" in n or "後期高齢者" in n], names
    token = sheet_token_from(html)
    assert client.get(reverse("navigator:sheet", args=[token])).status_code == 200
    assert client.get(reverse("navigator:sheet_pdf", args=[token])).status_code == 200
