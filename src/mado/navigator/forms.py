"""Reading the navigator's answers from a GET query string.

Why no Django ``Form`` class: the questions of a step are decided at request
time by the plan (only the facts an undecided procedure still depends on),
every answer so far travels in the URL (bookmarkable, no session, no CSRF),
and each fact type has its own forgiving input syntax: 「３、７」 for ages,
「はい」 for a yes/no. This module turns that query string into the JSON-typed
facts of ``mado.procedures.facts`` and validates them with ``clean_facts``,
keeping what the resident typed so an error page can show it back unchanged.

Encoding in the URL (one parameter per fact, named by the fact key):
bool ``yes``/``no``; int ``3``; int_list ``3,7`` (an empty value means "none").
``asked`` lists the keys the submitted step showed, so an unanswered required
question is reported instead of silently asked again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from mado.core.text import normalize_digits, normalize_width
from mado.procedures.facts import FACT_ORDER, FACTS_BY_KEY, Fact, FactError, clean_facts

YES = "yes"
NO = "no"
TRUE_WORDS = frozenset({"yes", "true", "1", "はい"})
FALSE_WORDS = frozenset({"no", "false", "0", "いいえ"})
LIST_SEPARATORS = re.compile(r"[\s,、，､・/]+")
INTEGER = re.compile(r"-?\d+")
MAX_RAW_LENGTH = 200
ASKED = "asked"


@dataclass
class Answers:
    """The answers of one request: typed facts, the raw text, and errors per fact key."""

    facts: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _required_message() -> str:
    return _("この質問に答えてください / Please answer this question.")


def _range_message(fact: Fact) -> str:
    return _("%(lo)s から %(hi)s までの数で入力してください / Enter a number from %(lo)s to %(hi)s.") % {
        "lo": fact.minimum, "hi": fact.maximum}


def parse_value(fact: Fact, raw: str) -> Any:
    """One answer as typed → its JSON-typed value; raises ValueError with a bilingual message."""
    text = normalize_digits(normalize_width(raw)).strip()
    if fact.type == "bool":
        word = text.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        if not word:
            raise ValueError(_required_message())
        raise ValueError(_("「はい」か「いいえ」を選んでください / Choose yes or no."))
    if fact.type == "int":
        if not text:
            raise ValueError(_required_message())
        if not INTEGER.fullmatch(text):
            raise ValueError(_("数字で入力してください（例: 2） / Enter a number, e.g. 2."))
        value = int(text)
        if not fact.minimum <= value <= fact.maximum:
            raise ValueError(_range_message(fact))
        return value
    if fact.type == "int_list":
        parts = [p for p in LIST_SEPARATORS.split(text) if p]
        if any(not INTEGER.fullmatch(p) for p in parts):
            raise ValueError(_(
                "年齢を数字で、区切りに「,」か「、」を使って入力してください（例: 3, 7）"
                " / Enter the ages as numbers separated by commas, e.g. 3, 7."))
        if len(parts) > 30:
            raise ValueError(_("30人までにしてください / Enter at most 30 ages."))
        values = [int(p) for p in parts]
        if any(not fact.minimum <= v <= fact.maximum for v in values):
            raise ValueError(_range_message(fact))
        return sorted(values)
    # choice / str facts: the value must be one of the choices, when there are any.
    allowed = {c for c, _label in fact.choices}
    if not text:
        raise ValueError(_required_message())
    if allowed and text not in allowed:
        raise ValueError(_("選択肢から選んでください / Choose one of the options."))
    return text


def read_answers(query: Mapping[str, Any]) -> Answers:
    """Parse every fact key of ``query`` (a QueryDict or dict); unknown keys are ignored."""
    result = Answers()
    asked_raw = str(query.get(ASKED, ""))[:2000]
    result.asked = sorted({k for k in asked_raw.split(",") if k in FACTS_BY_KEY},
                          key=FACT_ORDER.__getitem__)
    for key in sorted((k for k in query if k in FACTS_BY_KEY), key=FACT_ORDER.__getitem__):
        fact = FACTS_BY_KEY[key]
        raw = str(query.get(key, ""))[:MAX_RAW_LENGTH]
        result.raw[key] = raw
        if fact.type != "int_list" and not raw.strip():
            continue  # empty means "not answered"; reported below if the step asked it
        try:
            value = parse_value(fact, raw)
            clean, _ignored = clean_facts({key: value})  # the catalogue's own check, last
        except ValueError as exc:  # FactError is a ValueError too
            result.errors[key] = exc.message if isinstance(exc, FactError) else str(exc)
            continue
        result.facts.update(clean)
    for key in result.asked:
        if key not in result.facts and key not in result.errors:
            result.errors[key] = _required_message()
    return result


def encode_value(fact: Fact, value: Any) -> str:
    """A typed answer back into its URL form (the inverse of :func:`parse_value`)."""
    if fact.type == "bool":
        return YES if value else NO
    if fact.type == "int_list":
        return ",".join(str(v) for v in value)
    return str(value)


def encode_facts(facts: Mapping[str, Any], exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(name, value) pairs in fact order, for hidden inputs and links."""
    skip = set(exclude)
    return [(k, encode_value(FACTS_BY_KEY[k], facts[k]))
            for k in sorted(facts, key=FACT_ORDER.__getitem__)
            if k in FACTS_BY_KEY and k not in skip]
