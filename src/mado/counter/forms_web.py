"""Reading the counter's and the pre-visit page's HTML form posts into facts and answers.

Why separate from the views: the staff plan screen and the resident's
pre-visit page ask the same navigator questions and the same move
questions, and must read them the same way (全角 digits, 「３、７」 lists,
はい/いいえ radios) — one parser, two screens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mado.core.text import normalize_width
from mado.procedures.facts import FACTS_BY_KEY, LIFE_EVENTS, FactError

ANSWER_LABELS = {
    "new_postal_code": "新住所の郵便番号 / new postal code",
    "new_address": "新住所 / new address",
    "new_address_extra": "方書（建物名・部屋番号） / building, room",
    "move_date": "異動日（引っ越した日） / date of the move",
}
PREFIX = "fact_"


def life_event_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in LIFE_EVENTS.items()]


def fact_rows(plan: Any, session: Any, post: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The navigator questions still open, plus those already answered here (to change them)."""
    answered = dict(getattr(session, "facts", None) or {})
    keys = [f.key for f in plan.pending_facts] + [k for k in answered if k in FACTS_BY_KEY]
    rows = []
    for key in dict.fromkeys(keys):
        fact = FACTS_BY_KEY[key]
        if post is not None:
            value = post.get(PREFIX + key, "")
        else:
            value = _shown(answered.get(key))
        choices: list[tuple[str, str]] = []
        if fact.type == "bool":
            choices = [("yes", "はい / yes"), ("no", "いいえ / no"), ("", "未確認 / not asked")]
        elif fact.type == "choice":
            choices = [(c, str(label)) for c, label in fact.choices] + [("", "未確認 / not asked")]
        rows.append({"key": key, "name": PREFIX + key, "label": str(fact.label),
                     "help": str(fact.help or ""), "type": fact.type, "value": value,
                     "choices": choices})
    return rows


def _shown(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def facts_from_post(post: Mapping[str, Any], session: Any = None) -> dict[str, Any]:
    """Facts typed on a page (``fact_<key>`` inputs) over those already answered.

    Raises FactError naming the input for a value that cannot be read.
    """
    facts = dict(getattr(session, "facts", None) or {})
    for name in post:
        if not name.startswith(PREFIX):
            continue
        key = name[len(PREFIX):]
        fact = FACTS_BY_KEY.get(key)
        if fact is None:
            continue
        raw = normalize_width(str(post.get(name, ""))).strip()
        if raw == "":
            facts.pop(key, None)
        elif fact.type == "bool":
            if raw not in ("yes", "no"):
                raise FactError(name, f"{fact.label}: はい か いいえ を選んでください / choose yes or no")
            facts[key] = raw == "yes"
        elif fact.type == "int":
            if not raw.isdigit():
                raise FactError(name, f"{fact.label}: 数字で入力してください / enter a number")
            facts[key] = int(raw)
        elif fact.type == "int_list":
            parts = [p for p in re.split(r"[,、，\s]+", raw) if p]
            if not all(p.isdigit() for p in parts):
                raise FactError(name, f"{fact.label}: 数字をカンマで区切って入力してください / numbers separated by commas")
            facts[key] = [int(p) for p in parts]
        else:
            facts[key] = raw
    return facts
