"""Resident navigator pages (/navi/) and the guide sheet (窓口案内シート).

Why plain GET forms: every answer travels in the query string, so the flow
works without JavaScript and without a session, needs no CSRF token, can be
bookmarked or sent to a family member, and the browser's back button simply
goes back a step. Each step shows only the facts an undecided procedure still
depends on (``services.plan(...).pending_facts``), a few at a time in fact
order, so one answer (「65歳以上の方はいない」) can make later questions
unnecessary. The guide sheet is addressed by a signed token carrying the
answers (``services.sheet_token``): it is recomputed from today's catalogue,
needs no stored state, and a tampered or expired token is a 400, never a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mado.core.models import Municipality
from mado.core.text import format_wareki
from mado.navigator import forms, services
from mado.navigator.pdf import render_guide_sheet
from mado.procedures.facts import FACT_ORDER, FACTS_BY_KEY, LIFE_EVENTS, Fact, FactError
from mado.procedures.models import Channel

# A few questions per step: later steps drop questions earlier answers settled.
STEP_SIZE = 4

EVENT_DESCRIPTIONS = {
    "pregnancy": gettext_lazy("母子健康手帳の交付や妊婦健診の助成など"),
    "birth": gettext_lazy("出生届、児童手当、子ども医療費、健康保険など"),
    "moving_in": gettext_lazy("ほかの市区町村からこの市に引越してくるとき"),
    "moving_out": gettext_lazy("この市からほかの市区町村へ引越すとき"),
    "moving_within": gettext_lazy("この市の中で住所が変わるとき"),
    "marriage": gettext_lazy("婚姻届と、名前や世帯が変わるときの手続"),
    "divorce": gettext_lazy("離婚届と、ひとり親家庭の手当や健康保険など"),
    "death": gettext_lazy("ご家族が亡くなられたときの手続（おくやみ）"),
    "care": gettext_lazy("介護保険の認定やサービスを使いたいとき"),
    "employment_change": gettext_lazy("会社に入った・辞めたときの健康保険や年金"),
    "school_entry": gettext_lazy("小学校・中学校への入学や転校"),
    "disability": gettext_lazy("障害者手帳や福祉サービス、手当について"),
}


@dataclass
class ItemView:
    """One procedure as shown on the plan page, the printable sheet and the PDF."""

    code: str
    name: str
    reason: str
    documents: list[str]
    fee: str
    deadline: str
    channels: list[str]
    apply_url: str | None
    description: str


@dataclass
class GroupView:
    code: str
    name: str
    location: str
    phone: str
    items: list[ItemView] = field(default_factory=list)


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def fee_text(data: dict[str, Any]) -> str:
    """「無料」「300円」「1通300円」, with the catalogue's note when it adds something."""
    fee, unit, note = int(data.get("fee") or 0), data.get("fee_unit"), data.get("fee_note") or ""
    amount = number_format(fee, force_grouping=True)
    if unit == "none" or fee == 0:
        base = _("無料")
    elif unit == "per_copy":
        base = _("1通%(amount)s円") % {"amount": amount}
    else:
        base = _("%(amount)s円") % {"amount": amount}
    if note and note != base:
        return f"{base}（{note}）" if not _english() else f"{base} ({note})"
    return base


def item_view(item: services.PlanItem) -> ItemView:
    entry, data = item.entry, item.entry.data
    english = _english()
    channel_labels = dict(Channel.choices)
    return ItemView(
        code=entry.code,
        name=(entry.name_en if english and entry.name_en else entry.name),
        reason=item.localized_reason(),
        documents=list(data.get("documents") or []),
        fee=fee_text(data),
        deadline=data.get("deadline") or "",
        channels=[str(channel_labels[c]) for c in data.get("channels") or [] if c in channel_labels],
        apply_url=item.apply_url,
        description=(data.get("description_en") if english and data.get("description_en")
                     else data.get("description") or ""),
    )


def describe_plan(result: services.Plan) -> list[GroupView]:
    groups = []
    for g in result.groups:
        view = GroupView(g.department_code, g.department_name, g.location, g.phone)
        view.items = [item_view(i) for i in g.items]
        groups.append(view)
    return groups


def _issued_on(today: dt.date) -> str:
    return today.isoformat() if _english() else format_wareki(today)


def _render_error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "navigator/error.html", {"title": title, "message": message},
                  status=status)


def _no_municipality(request: HttpRequest) -> HttpResponse:
    return _render_error(
        request, 404, _("手続ナビはまだ使えません"),
        _("この自治体の手続ナビは準備中です / The navigator is not available for this site yet."))


def _unknown_event(request: HttpRequest) -> HttpResponse:
    return _render_error(
        request, 404, _("ページが見つかりません"),
        _("その出来事（ライフイベント）はありません。手続ナビのはじめから選んでください"
          " / There is no such life event. Please choose one from the navigator's first page."))


def home(request: HttpRequest) -> HttpResponse:
    """Step 0: choose the life event."""
    events = [{"code": code, "label": label, "description": EVENT_DESCRIPTIONS.get(code, ""),
               "url": reverse("navigator:event", args=[code])}
              for code, label in LIFE_EVENTS.items()]
    return render(request, "navigator/home.html", {"events": events})


def _question(fact: Fact, raw: str, error: str) -> dict[str, Any]:
    checked = ""
    if fact.type == "bool" and raw:
        try:
            checked = forms.encode_value(fact, forms.parse_value(fact, raw))
        except ValueError:
            checked = ""
    help_text = fact.help
    if not help_text and fact.type == "int":
        help_text = _("%(lo)s〜%(hi)sの数で入力してください") % {"lo": fact.minimum,
                                                                  "hi": fact.maximum}
    qid = f"q-{fact.key}"
    described = [f"{qid}-error"] if error else []
    if help_text:
        described.append(f"{qid}-help")
    return {"fact": fact, "key": fact.key, "type": fact.type, "label": fact.label,
            "help": help_text, "raw": raw, "error": error, "checked": checked, "id": qid,
            "describedby": " ".join(described)}


def _event_url(life_event: str, facts: dict[str, Any], **extra: str) -> str:
    query = forms.encode_facts(facts) + list(extra.items())
    url = reverse("navigator:event", args=[life_event])
    return f"{url}?{urlencode(query)}" if query else url


def _questions_page(request: HttpRequest, life_event: str, visible: list[Fact],
                    answers: forms.Answers, result: services.Plan, *, editing: bool = False,
                    status: int = 200) -> HttpResponse:
    shown = {f.key for f in visible}
    raw = dict(answers.raw)
    if editing:
        raw.update(forms.encode_facts(result.facts))
    questions = [_question(f, raw.get(f.key, ""), answers.errors.get(f.key, "")) for f in visible]
    carried = [(k, v) for k, v in forms.encode_facts(result.facts, exclude=shown)]
    context = {
        "life_event": life_event,
        "event_label": LIFE_EVENTS[life_event],
        "questions": questions,
        "errors": [q for q in questions if q["error"]],
        "carried": carried,
        "asked": ",".join(f.key for f in visible),
        "answered_count": len(result.facts),
        "editing": editing,
        "plan_now_url": _event_url(life_event, result.facts, show="plan"),
        "start_over_url": reverse("navigator:event", args=[life_event]),
    }
    return render(request, "navigator/questions.html", context, status=status)


def _answer_text(fact: Fact, value: Any) -> str:
    if fact.type == "bool":
        return _("はい") if value else _("いいえ")
    if fact.type == "int_list":
        return "、".join(str(v) for v in value) if value else _("なし")
    return str(value)


def event(request: HttpRequest, life_event: str) -> HttpResponse:
    """The questions still pending for ``life_event``; the plan once none is left."""
    if life_event not in LIFE_EVENTS:
        return _unknown_event(request)
    municipality: Municipality | None = getattr(request, "municipality", None)
    if municipality is None:
        return _no_municipality(request)
    answers = forms.read_answers(request.GET)
    result = services.plan(municipality, life_event, answers.facts)
    if not answers.is_valid:
        visible = sorted({*answers.asked, *answers.errors}, key=FACT_ORDER.__getitem__)
        return _questions_page(request, life_event, [FACTS_BY_KEY[k] for k in visible],
                               answers, result, status=400)
    if request.GET.get("edit"):
        keys = {*result.facts, *(f.key for f in result.pending_facts)}
        visible_facts = [FACTS_BY_KEY[k] for k in sorted(keys, key=FACT_ORDER.__getitem__)]
        return _questions_page(request, life_event, visible_facts, answers, result, editing=True)
    if result.pending_facts and request.GET.get("show") != "plan":
        return _questions_page(request, life_event, result.pending_facts[:STEP_SIZE], answers,
                               result)
    return _plan_page(request, result)


def _plan_page(request: HttpRequest, result: services.Plan) -> HttpResponse:
    token = services.sheet_token(result.life_event, result.facts)
    groups = describe_plan(result)
    english = _english()
    context = {
        "life_event": result.life_event,
        "event_label": LIFE_EVENTS[result.life_event],
        "groups": groups,
        "procedure_count": len(result.items),
        "counter_count": len(groups),
        "online_count": sum(1 for g in groups for i in g.items if i.apply_url),
        "maybe": [{"name": (i.entry.name_en if english and i.entry.name_en else i.entry.name),
                   "department": i.entry.department.name} for i in result.maybe],
        "pending": result.pending_facts,
        "answers": [(FACTS_BY_KEY[k].label, _answer_text(FACTS_BY_KEY[k], v))
                    for k, v in sorted(result.facts.items(), key=lambda kv: FACT_ORDER[kv[0]])],
        "total_fee": number_format(result.total_fee, force_grouping=True),
        "sheet_url": reverse("navigator:sheet", args=[token]),
        "sheet_pdf_url": reverse("navigator:sheet_pdf", args=[token]),
        "edit_url": _event_url(result.life_event, result.facts, edit="1"),
        "continue_url": _event_url(result.life_event, result.facts),
        "start_over_url": reverse("navigator:event", args=[result.life_event]),
    }
    return render(request, "navigator/plan.html", context)


def _sheet_plan(request: HttpRequest, token: str) -> services.Plan | HttpResponse:
    """The plan a sheet token stands for, or the 400/404 page explaining why not."""
    municipality: Municipality | None = getattr(request, "municipality", None)
    if municipality is None:
        return _no_municipality(request)
    bad = _render_error(
        request, 400, _("案内シートを表示できません"),
        _("このアドレスは正しくないか、有効期限（30日）が切れています。手続ナビでもう一度案内を作ってください"
          " / This address is invalid or has expired (after 30 days). Please make the plan again"
          " in the navigator."))
    try:
        life_event, facts = services.read_sheet_token(token)
        return services.plan(municipality, life_event, facts)
    except (signing.BadSignature, services.LifeEventError, FactError, KeyError, TypeError,
            ValueError):
        return bad


def _sheet_context(request: HttpRequest, result: services.Plan) -> dict[str, Any]:
    municipality = request.municipality  # type: ignore[attr-defined]
    today = timezone.localdate()
    return {
        "municipality_name": municipality.name,
        "event_label": str(LIFE_EVENTS[result.life_event]),
        "issued": _issued_on(today),
        "groups": describe_plan(result),
        "procedure_count": len(result.items),
        "total_fee": number_format(result.total_fee, force_grouping=True),
        "maybe": [i.entry.name_en if _english() and i.entry.name_en else i.entry.name
                  for i in result.maybe],
    }


def sheet(request: HttpRequest, token: str) -> HttpResponse:
    """The printable guide sheet (print CSS: A4, checkboxes, nothing but the sheet)."""
    result = _sheet_plan(request, token)
    if isinstance(result, HttpResponse):
        return result
    context = _sheet_context(request, result)
    context.update({
        "life_event": result.life_event,
        "pdf_url": reverse("navigator:sheet_pdf", args=[token]),
        "plan_url": _event_url(result.life_event, result.facts),
    })
    response = render(request, "navigator/sheet.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


def sheet_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The same guide sheet as an A4 PDF with an embedded Japanese font."""
    result = _sheet_plan(request, token)
    if isinstance(result, HttpResponse):
        return result
    context = _sheet_context(request, result)
    pdf = render_guide_sheet(context)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"mado-guide-{result.life_event}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex"
    return response
