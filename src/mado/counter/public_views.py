"""Pre-visit application (来庁前申請) at /previsit/: fill at home, show a QR code at the counter.

Why nothing is stored: the resident's answers travel in the signed code
itself (previsit.py), so the page needs no account, keeps nothing personal on
the server before the visit, and works on any phone without JavaScript (a
plain form; the code page is an inline SVG plus the text for manual entry).
Only what the registry cannot know is asked: who you are (to find your
record), the new address and date, the navigator's questions that the
registry does not answer, a phone number and the simple fields of the move
forms only the family knows (previsit_fields.py), with the address filled in
from the postal code.
"""

from __future__ import annotations

from typing import Any

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mado.core.text import normalize_postal_code, parse_date, to_katakana
from mado.counter import services
from mado.counter.fill import ANSWER_FIELDS
from mado.counter.forms_web import ANSWER_LABELS, facts_from_post, life_event_choices
from mado.counter.previsit_fields import address_from_postal_code, home_fields, read_home_fields
from mado.navigator import services as navigator
from mado.procedures.facts import FACTS_BY_KEY, LIFE_EVENTS, FactError

# Facts the counter reads from the registry: never asked at home.
REGISTRY_FACTS = frozenset({
    "household_size", "children_ages", "members_65_plus", "members_75_plus",
    "national_health_insurance", "national_pension_type1", "foreign_resident",
    "child_allowance_recipient",
})
PERSON_FIELDS = (
    ("name", "氏名 / name", "例: 髙橋 太郎"),
    ("name_kana", "氏名（フリガナ） / name in katakana", "例: タカハシ タロウ"),
    ("birth_date", "生年月日 / date of birth", "例: 昭和55年4月1日、1980-04-01"),
    ("phone", "日中の電話番号（任意） / daytime phone (optional)", "例: 0475-00-0000"),
)


def _municipality(request: HttpRequest) -> Any:
    municipality = getattr(request, "municipality", None)
    if municipality is None:
        raise Http404("団体が設定されていません / no municipality is configured")
    return municipality


def _questions(municipality: Any, event: str, post: Any) -> list[dict[str, Any]]:
    rows = []
    for fact in navigator.all_questions(municipality, event):
        if fact.key in REGISTRY_FACTS or fact.type != "bool":
            continue
        rows.append({"name": f"fact_{fact.key}", "label": str(fact.label),
                     "value": post.get(f"fact_{fact.key}", "") if post else ""})
    return rows


def _read(post: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The payload of the code and the errors by input name."""
    errors: dict[str, str] = {}
    person = {k: str(post.get(k, "")).strip()[:100] for k, _l, _h in PERSON_FIELDS}
    if not person["name"]:
        errors["name"] = "氏名を入力してください / enter your name"
    if not person["name_kana"]:
        errors["name_kana"] = "フリガナを入力してください / enter the katakana reading"
    birth = ""
    try:
        birth = parse_date(person["birth_date"]).isoformat() if person["birth_date"] else ""
    except (ValueError, TypeError):
        errors["birth_date"] = "日付が読めません（例: 昭和55年4月1日） / unreadable date"
    if not person["birth_date"]:
        errors["birth_date"] = "生年月日を入力してください / enter your date of birth"
    answers = {k: str(post.get(k, "")).strip()[:300] for k in ANSWER_FIELDS}
    try:
        answers = services.clean_answers_of(answers)
    except services.CounterError as exc:
        errors[exc.field] = exc.message
    if not answers.get("new_address"):
        errors.setdefault("new_address", "新しい住所を入力してください / enter the new address")
    facts: dict[str, Any] = {}
    try:
        facts = facts_from_post({k: v for k, v in post.items() if k.startswith("fact_")})
    except FactError as exc:
        errors[exc.field] = exc.message
    fields = {}
    if person["phone"]:
        fields["phone"] = person["phone"]
    if answers.get("new_postal_code"):
        try:
            answers["new_postal_code"] = normalize_postal_code(answers["new_postal_code"])
        except ValueError:
            errors["new_postal_code"] = "郵便番号は7桁の数字です / 7 digits"
    payload = {"e": post.get("life_event", ""), "n": person["name"],
               "k": to_katakana(person["name_kana"]), "b": birth, "a": answers,
               "f": {k: v for k, v in facts.items() if k in FACTS_BY_KEY}, "p": fields}
    return payload, errors


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    source = request.POST if request.method == "POST" else request.GET
    event = source.get("life_event", "")
    if event not in LIFE_EVENTS:
        status = 400 if event else 200
        errors = {"life_event": "手続のきっかけを選んでください / choose a life event"} if event else {}
        return render(request, "counter/previsit_start.html",
                      {"life_events": life_event_choices(), "errors": errors}, status=status)
    extra = home_fields(municipality, event)
    context: dict[str, Any] = {
        "life_event": event,
        "life_event_label": LIFE_EVENTS[event],
        "person_rows": [(k, label, hint, source.get(k, "") if request.method == "POST" else "")
                        for k, label, hint in PERSON_FIELDS],
        "answer_rows": [(k, ANSWER_LABELS[k], source.get(k, "") if request.method == "POST" else "")
                        for k in ANSWER_FIELDS],
        "questions": _questions(municipality, event, request.POST if request.method == "POST" else None),
        "home_rows": [(f, source.get(f"home_{f.key}", "") if request.method == "POST" else "")
                      for f in extra],
        "errors": {},
    }
    if request.method != "POST":
        return render(request, "counter/previsit_form.html", context)
    payload, errors = _read(request.POST)
    home, home_errors = read_home_fields(extra, request.POST)
    errors.update(home_errors)
    payload["p"] = {**home, **payload["p"]}
    found = ""
    if not payload["a"].get("new_address") and payload["a"].get("new_postal_code"):
        found = address_from_postal_code(payload["a"]["new_postal_code"])
    if found:  # autofill: back to the form with the town filled in, asking for the number
        context["answer_rows"] = [(k, label, found if k == "new_address" else value)
                                  for k, label, value in context["answer_rows"]]
        errors["new_address"] = (f"郵便番号から「{found}」を入れました。番地を続けて入力してください / "
                                 "filled in from the postal code: add the house number")
    if errors:
        context["errors"] = errors
        return render(request, "counter/previsit_form.html", context, status=400)
    codes = services.previsit_codes(municipality, payload)
    qrs = [
        {"text": code, "svg": mark_safe(  # noqa: S308 - segno's own SVG of our own text
            segno.make(code, error="m").svg_inline(scale=3, title=f"来庁前申請のコード {n}/{len(codes)}"))}
        for n, code in enumerate(codes, start=1)
    ]
    return render(request, "counter/previsit_code.html",
                  {"qrs": qrs, "payload": payload, "life_event_label": LIFE_EVENTS[event]})
