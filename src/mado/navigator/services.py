"""Public API of the navigator (手続ナビ): questions, personal plans, staff mode.

A plan is computed from the municipality's catalogue (never a copy of it):
for the chosen life event, each procedure tagged with it is evaluated with
its rules over the facts (three-valued: an unanswered fact is unknown).
Procedures whose rules hold are in the plan with the reason of the rule that
matched; those still undecided are "may apply" and their facts are the next
questions. So the navigator never asks a question whose answer cannot change
the plan. The counter (staff mode) calls :func:`plan_for_resident`, which
fills the facts from the registry and the household first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from django.core import signing
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from mado.core.models import Municipality
from mado.procedures.catalogue import CatalogueEntry, get_catalogue
from mado.procedures.facts import (
    FACT_ORDER,
    FACTS_BY_KEY,
    LIFE_EVENT_REASONS,
    LIFE_EVENTS,
    Fact,
    FactError,
    clean_facts,
)
from mado.procedures.rules import UNKNOWN

SHEET_SALT = "mado.navigator.sheet"


class LifeEventError(ValueError):
    """An unknown life event code (field ``life_event``)."""

    field = "life_event"

    def __init__(self, value: object) -> None:
        super().__init__(
            f"ライフイベント「{str(value)[:40]}」はありません。{', '.join(LIFE_EVENTS)} から選んでください"
            f" / unknown life event; choose one of {', '.join(LIFE_EVENTS)}"
        )


@dataclass(frozen=True)
class PlanItem:
    entry: CatalogueEntry
    reason: str
    reason_en: str
    status: str  # "applies" | "may_apply"
    apply_url: str | None = None

    @property
    def code(self) -> str:
        return self.entry.code

    def localized_reason(self) -> str:
        if translation.get_language() == "en" and self.reason_en:
            return self.reason_en
        return self.reason


@dataclass
class PlanGroup:
    """The procedures of one department (one counter), in plan order."""

    department_code: str
    department_name: str
    location: str
    phone: str
    items: list[PlanItem] = field(default_factory=list)


@dataclass
class Plan:
    life_event: str
    facts: dict[str, Any]
    items: list[PlanItem]
    maybe: list[PlanItem]
    pending_facts: list[Fact]
    ignored_facts: list[str] = field(default_factory=list)

    @property
    def groups(self) -> list[PlanGroup]:
        groups: dict[str, PlanGroup] = {}
        for item in self.items:
            d = item.entry.department
            g = groups.setdefault(d.code, PlanGroup(d.code, d.name, d.location, d.phone))
            g.items.append(item)
        return list(groups.values())

    @property
    def total_fee(self) -> int:
        return sum(i.entry.data["fee"] for i in self.items if i.entry.data["fee_unit"] == "fixed")


def validate_life_event(value: object) -> str:
    if not isinstance(value, str) or value not in LIFE_EVENTS:
        raise LifeEventError(value)
    return value


def _evaluate(entry: CatalogueEntry, facts: dict[str, Any], life_event: str) -> PlanItem | None:
    if not entry.conditions:
        with translation.override("ja"):
            default_ja = str(LIFE_EVENT_REASONS[life_event])
        reason = entry.data.get("default_reason") or default_ja
        with translation.override("en"):
            default_en = str(LIFE_EVENT_REASONS[life_event])
        reason_en = entry.data.get("default_reason_en") or default_en
        return PlanItem(entry, reason, reason_en, "applies")
    undecided = False
    for c in entry.conditions:
        value = c.rule.evaluate(facts)
        if value is True:
            return PlanItem(entry, c.reason, c.reason_en or c.reason, "applies")
        if value is UNKNOWN:
            undecided = True
    if undecided:
        return PlanItem(entry, "", "", "may_apply")
    return None


def plan(municipality: Municipality, life_event: object, facts: object) -> Plan:
    """The personal plan; raises LifeEventError or FactError (both name the field)."""
    event = validate_life_event(life_event)
    clean, ignored = clean_facts(facts if facts is not None else {})
    env = dict(clean)
    env["life_event"] = event
    items: list[PlanItem] = []
    maybe: list[PlanItem] = []
    pending: set[str] = set()
    for entry in get_catalogue(municipality).by_event.get(event, []):
        item = _evaluate(entry, env, event)
        if item is None:
            continue
        if item.status == "applies":
            items.append(item)
        else:
            maybe.append(item)
            # Only rules still undecided can change the plan: a rule already false
            # (e.g. one that needs another life event) asks nothing.
            for c in entry.conditions:
                if c.rule.evaluate(env) is UNKNOWN:
                    pending |= {n for n in c.rule.names if n not in env}
    # Departments in the order of their first procedure (転入届's counter first).
    first: dict[str, int] = {}
    for i in items:
        code = i.entry.department.code
        first[code] = min(first.get(code, i.entry.plan_order), i.entry.plan_order)
    items.sort(
        key=lambda i: (
            first[i.entry.department.code],
            i.entry.department.sort_order,
            i.entry.department.code,
            i.entry.plan_order,
            i.entry.code,
        )
    )
    if items:
        online = _online_codes(municipality)
        items = [replace(i, apply_url=apply_url(i.entry, online)) for i in items]
    pending_facts = sorted(
        (FACTS_BY_KEY[k] for k in pending if k in FACTS_BY_KEY), key=lambda f: FACT_ORDER[f.key]
    )
    return Plan(event, clean, items, maybe, pending_facts, ignored)


def _online_codes(municipality: Municipality) -> frozenset[str]:
    from mado.eforms.services import published_procedure_codes

    return published_procedure_codes(municipality)


def questions(
    municipality: Municipality, life_event: object, answered: dict[str, Any] | None = None
) -> list[Fact]:
    """The facts still worth asking: those an undecided procedure depends on."""
    return plan(municipality, life_event, answered or {}).pending_facts


def all_questions(municipality: Municipality, life_event: object) -> list[Fact]:
    """Every fact some procedure of the life event depends on (the API's question list)."""
    event = validate_life_event(life_event)
    keys: set[str] = set()
    for entry in get_catalogue(municipality).by_event.get(event, []):
        keys |= entry.fact_names
    return sorted(
        (FACTS_BY_KEY[k] for k in keys if k in FACTS_BY_KEY), key=lambda f: FACT_ORDER[f.key]
    )


def apply_url(entry: CatalogueEntry, online_codes: frozenset[str] = frozenset()) -> str | None:
    """Where the resident applies online: Mado's form when one is published, else the city's link.

    ``online_codes`` are the procedures with a published form (computed once per
    plan by :func:`plan`, see ``PlanItem.apply_url``).
    """
    if entry.code in online_codes:
        try:
            return reverse("eforms:apply", args=[entry.code])
        except NoReverseMatch:
            pass
    return entry.data.get("external_url") or None


def sheet_token(life_event: str, facts: dict[str, Any]) -> str:
    """A signed, compact token carrying the plan's input (no server-side state)."""
    return signing.dumps({"e": life_event, "f": facts}, salt=SHEET_SALT, compress=True)


def read_sheet_token(token: str, max_age: int = 30 * 24 * 3600) -> tuple[str, dict[str, Any]]:
    """(life_event, facts) from a token; raises signing.BadSignature (or SignatureExpired)."""
    data = signing.loads(token, salt=SHEET_SALT, max_age=max_age)
    return data["e"], data["f"]


def guide_sheet_url(life_event: str, facts: dict[str, Any]) -> str:
    return reverse("navigator:sheet_pdf", args=[sheet_token(life_event, facts)])


# -- staff mode ---------------------------------------------------------------


def facts_from_registry(
    resident: Any, life_event: str, today: dt.date | None = None
) -> dict[str, Any]:
    """Facts the city already knows about a resident and their household (once-only).

    For ``death`` the resident is the deceased: their own enrolments become the
    ``deceased_*`` facts and household_size counts the household before the death.
    """
    from mado.registry import services as registry

    today = today or dt.date.today()
    members = registry.household_members(resident)
    ages = [registry.age_on(m.birth_date, today) for m in members]
    facts: dict[str, Any] = {
        "household_size": len(members),
        "children_ages": sorted(a for a in ages if a < 19),
        "members_65_plus": sum(1 for a in ages if a >= 65),
        "members_75_plus": sum(1 for a in ages if a >= 75),
        "national_health_insurance": any(m.national_health_insurance for m in members),
        "national_pension_type1": any(m.national_pension_type1 for m in members),
        "foreign_resident": any(m.nationality_type == "foreign" for m in members),
        "child_allowance_recipient": any(m.child_allowance for m in members),
        "long_term_care_certified": False if not any(a >= 40 for a in ages) else None,
    }
    if life_event == "death":
        facts.update(
            {
                "deceased_age": registry.age_on(resident.birth_date, today),
                "deceased_household_head": resident.relationship == "世帯主",
                "deceased_national_health_insurance": resident.national_health_insurance,
                "deceased_late_elderly_insurance": resident.late_elderly_insurance,
                "deceased_long_term_care_insurance": resident.long_term_care_insurance,
                "deceased_child_allowance_recipient": resident.child_allowance,
            }
        )
    return {k: v for k, v in facts.items() if v is not None}


def plan_for_resident(
    municipality: Municipality,
    resident: Any,
    life_event: object,
    answers: dict[str, Any] | None = None,
    today: dt.date | None = None,
) -> Plan:
    """Staff mode: the plan for a known resident; answers typed by staff override registry facts."""
    event = validate_life_event(life_event)
    facts = facts_from_registry(resident, event, today)
    clean_answers, _ = clean_facts(answers or {})
    facts.update(clean_answers)
    return plan(municipality, event, facts)


__all__ = [
    "FactError",
    "LifeEventError",
    "Plan",
    "PlanGroup",
    "PlanItem",
    "all_questions",
    "apply_url",
    "facts_from_registry",
    "guide_sheet_url",
    "plan",
    "plan_for_resident",
    "questions",
    "read_sheet_token",
    "sheet_token",
]
