"""What a resident may add at home to the move forms beyond the move answers (来庁前申請).

Why read them from the counter's form definitions: the fields the registry
cannot know (児童手当's kind of change, 水道's way of settling, the school
the child attends now ...) are already described, with labels and choices,
in ``counter/forms/*.json``; asking them at home from the same data means the
pre-visit page can never offer a choice the form would refuse. Only simple
fields are offered (short text, one choice, outside repeating groups), all
optional: staff still type at the counter what the resident left empty.
The values travel in the code's ``"p"`` map under the form field's key;
``fill.fill_form`` puts them into every chosen form with that key
(source 来庁前申請).

Postal-code autofill without JavaScript: when the new address is left empty
and the postal code is known, the page comes back with the prefecture, city
and town filled in, asking for the house number (the Japan Post data only go
down to the town).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mado.counter.demo import counter_definitions
from mado.counter.fill import ANSWER_FIELDS

MAX_TEXT = 100
SIMPLE_TYPES = frozenset({"text", "choice"})
ASKED_ELSEWHERE = frozenset({*ANSWER_FIELDS, "phone"})


@dataclass(frozen=True)
class HomeField:
    """One optional field of the pre-visit page, taken from a counter form."""

    key: str
    label: str
    type: str
    choices: tuple[tuple[str, str], ...]
    forms: tuple[str, ...]  # titles of the forms that ask it
    procedures: tuple[str, ...]


@lru_cache(maxsize=1)
def _all_fields() -> tuple[HomeField, ...]:
    found: dict[str, dict[str, Any]] = {}
    for definition in counter_definitions():
        for step in definition["steps"]:
            for spec in step["fields"]:
                key = spec["key"]
                if (spec["type"] not in SIMPLE_TYPES or spec.get("prefill")
                        or key in ASKED_ELSEWHERE or spec.get("multiline")):
                    continue
                row = found.setdefault(key, {"spec": spec, "forms": [], "procedures": []})
                row["forms"].append(str(definition.get("title", definition["code"])))
                row["procedures"].append(str(definition.get("procedure", "")))
    return tuple(
        HomeField(
            key=key,
            label=str(row["spec"].get("label") or key),
            type=row["spec"]["type"],
            choices=tuple((str(c["value"]), str(c.get("label", c["value"])))
                          for c in row["spec"].get("choices") or ()),
            forms=tuple(row["forms"]),
            procedures=tuple(row["procedures"]),
        )
        for key, row in found.items()
    )


def home_fields(municipality: Any, life_event: str) -> list[HomeField]:
    """The optional fields for this life event: those of forms whose procedure it concerns here."""
    from mado.procedures.models import Procedure

    fields = _all_fields()
    codes = {c for f in fields for c in f.procedures}
    concerned = {
        code for code, events in Procedure.unscoped.filter(
            municipality=municipality, code__in=codes).values_list("code", "life_events")
        if life_event in (events or [])
    }
    return [f for f in fields if concerned.intersection(f.procedures)]


def read_home_fields(fields: list[HomeField], post: Any) -> tuple[dict[str, str], dict[str, str]]:
    """(values to carry in the code, errors by input name); empty inputs are left out."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for f in fields:
        value = str(post.get(f"home_{f.key}", "")).strip()
        if not value:
            continue
        if f.type == "choice" and value not in {v for v, _label in f.choices}:
            errors[f"home_{f.key}"] = f"{f.label}: 選択肢から選んでください / choose one of the options"
        elif len(value) > MAX_TEXT:
            errors[f"home_{f.key}"] = f"{f.label}: {MAX_TEXT}文字までです / at most {MAX_TEXT} characters"
        else:
            values[f.key] = value
    return values, errors


def address_from_postal_code(code: str) -> str:
    """Prefecture, city and town of a postal code ('' when unknown or shared by several towns)."""
    from mado.core.text.postal import PostalCodeError, lookup_postal_code

    try:
        found = lookup_postal_code(code)
    except (PostalCodeError, ValueError):
        return ""
    towns = {f"{a.prefecture}{a.city}{a.town}" for a in found}
    return towns.pop() if len(towns) == 1 else ""
