"""Automatic review (自動審査): declarative rules over submission, registry and tax facts.

Why: 神戸市 checks no-income declarations (0申告) against the tax ledger by
machine and leaves staff only the doubtful ones (seed 001); 鏡野町 checks tax
arrears automatically. A rule here is a :class:`~mado.casework.models.ReviewRule`
row in the navigator's safe rule language (``procedures.rules.compile_rule``):
a condition the case must satisfy. True passes; false or unknown (a fact the
ledger cannot tell) refers the case to staff with the rule's reason in Japanese.
No Python ``eval``; rules are type-checked against :func:`fact_specs` when saved.

Facts (see docs/casework.md):

* registry: ``is_resident``, ``resident_found``, ``age``;
* tax ledger (年度 = the declared income year + 1): ``has_ledger_record``,
  ``no_income_in_ledger``, ``ledger_income_thousand``, ``already_declared``,
  ``no_tax_arrears`` (no arrears in any year);
* the submission's own answers as ``data_<field key>`` (checkbox → bool,
  number/money → int, choice → str with its choices, multichoice → str list).

The latest result lives on the case (outcome, reasons, time) and the
timeline shows it from there; no event row per review, so a bulk run over
15,000 cases writes a handful of UPDATEs (one per distinct result), not
15,000 inserts.

Two ways to run the same rules: :func:`review_one` (ORM, one case; the case page
button, and the benchmark's per-case baseline) and :func:`review_cases`
(set-based: a handful of queries per chunk of 2,000 cases, bulk writes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from mado.casework.models import Case, ReviewOutcome, ReviewRule
from mado.core.text import normalize_width, to_katakana
from mado.procedures.rules import MAX_INT, UNKNOWN, FactSpec, RuleError, compile_rule
from mado.registry.models import ResidentRecord, ResidentStatus, TaxSummary

CHUNK = 2000
BASE_SPECS: dict[str, FactSpec] = {
    "is_resident": FactSpec("is_resident", "bool"),
    "resident_found": FactSpec("resident_found", "bool"),
    "age": FactSpec("age", "int"),
    "has_ledger_record": FactSpec("has_ledger_record", "bool"),
    "no_income_in_ledger": FactSpec("no_income_in_ledger", "bool"),
    "ledger_income_thousand": FactSpec("ledger_income_thousand", "int"),
    "already_declared": FactSpec("already_declared", "bool"),
    "no_tax_arrears": FactSpec("no_tax_arrears", "bool"),
}
_FIELD_FACT = {"checkbox": "bool", "number": "int", "money": "int", "choice": "choice",
               "multichoice": "str_list"}


def fact_specs(definition: dict[str, Any] | None) -> dict[str, FactSpec]:
    """What a rule may name for a form: the base facts plus ``data_<key>`` of its fields."""
    specs = dict(BASE_SPECS)
    for step in (definition or {}).get("steps", []):
        for f in step.get("fields", []):
            kind = _FIELD_FACT.get(f.get("type"))
            if kind is None or not f.get("key"):
                continue
            key = f"data_{f['key']}"
            choices = tuple(str(c.get("value")) for c in f.get("choices") or ())
            specs[key] = FactSpec(key, kind, choices)
    return specs


def validate_review_rule(expression: str, definition: dict[str, Any] | None) -> None:
    """Raise RuleError (bilingual, with a column) if the rule is not valid for this form."""
    compile_rule(expression, fact_specs(definition))


def fiscal_year_for(data: dict[str, Any], today: dt.date) -> int:
    """The tax ledger's 年度 for a declaration: income year + 1, else the current 年度."""
    raw = str((data or {}).get("target_year") or "")
    if raw.isdigit() and 1900 < int(raw) < 2200:
        return int(raw) + 1
    return today.year if today.month >= 4 else today.year - 1


def _age(birth: dt.date | None, today: dt.date) -> Any:
    if birth is None:
        return UNKNOWN
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _data_facts(data: dict[str, Any], specs: dict[str, FactSpec]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for key, spec in specs.items():
        if not key.startswith("data_"):
            continue
        value = data.get(key[5:])
        if spec.type == "bool":
            facts[key] = bool(value) if value in (True, False, None, "", "on") else UNKNOWN
        elif spec.type == "int" and type(value) is int:
            facts[key] = min(value, MAX_INT)
        elif spec.type in ("choice", "str") and isinstance(value, str):
            facts[key] = value
        elif spec.type == "str_list" and isinstance(value, list):
            facts[key] = [str(v) for v in value]
    return facts


def build_facts(data: dict[str, Any], resident: tuple[str, dt.date] | None,
                taxes: list[tuple[int, int, bool, bool]], specs: dict[str, FactSpec],
                today: dt.date) -> dict[str, Any]:
    """Facts from plain values: ``resident`` = (status, birth date); ``taxes`` rows of
    (fiscal year, income, has arrears, declared)."""
    facts = _data_facts(data, specs)
    facts["resident_found"] = resident is not None
    facts["is_resident"] = resident is not None and resident[0] == ResidentStatus.ACTIVE
    facts["age"] = _age(resident[1], today) if resident else UNKNOWN
    if resident is None:
        return facts  # ledger facts stay unknown: nobody to look up
    fy = fiscal_year_for(data, today)
    row = next((t for t in taxes if t[0] == fy), None)
    facts["has_ledger_record"] = row is not None
    facts["no_tax_arrears"] = not any(t[2] for t in taxes)
    if row is not None:
        facts["no_income_in_ledger"] = row[1] == 0
        facts["ledger_income_thousand"] = min(max(row[1], 0) // 1000, MAX_INT)
        facts["already_declared"] = bool(row[3] and row[1] > 0)
    return facts


@dataclass
class RuleSet:
    rules: list[tuple[str, Any, str]]  # (name, compiled or None if broken, reason)
    specs: dict[str, FactSpec]

    def judge(self, facts: dict[str, Any]) -> tuple[str, list[str]]:
        reasons: list[str] = []
        for name, compiled, reason in self.rules:
            if compiled is None:
                reasons.append(f"ルール「{name}」に誤りがあるため確認してください / rule is broken")
                continue
            result = compiled.evaluate(facts)
            if result is True:
                continue
            if result is UNKNOWN:
                reasons.append(f"{reason}（台帳等で確認できません / could not be checked）")
            else:
                reasons.append(reason)
        return (ReviewOutcome.REFER if reasons else ReviewOutcome.PASS), reasons


def rule_set(procedure_id: int, definition: dict[str, Any] | None) -> RuleSet | None:
    """The active rules of a procedure compiled for a form (None when it has none)."""
    rows = list(ReviewRule.unscoped.filter(procedure_id=procedure_id, active=True)
                .order_by("sort_order", "pk"))
    if not rows:
        return None
    specs = fact_specs(definition)
    compiled = []
    for r in rows:
        try:
            compiled.append((r.name, compile_rule(r.expression, specs), r.refer_reason))
        except RuleError:
            compiled.append((r.name, None, r.refer_reason))
    return RuleSet(compiled, specs)


def _kana_key(text: str) -> str:
    return to_katakana(normalize_width(text or "")).replace(" ", "").replace("\u3000", "")


@dataclass
class ReviewSummary:
    reviewed: int = 0
    passed: int = 0
    referred: int = 0
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def review_one(case: Case, *, by: Any = "system") -> tuple[str, list[str]] | None:
    """Review one case with plain ORM reads (None when its procedure has no rules)."""
    sub = case.submission
    definition = sub.form_version.definition if sub.form_version_id else None
    rules = rule_set(case.procedure_id, definition)
    if rules is None:
        return None
    resident = sub.resident
    if resident is None:
        resident = _match_resident_orm(case)
    taxes = []
    if resident is not None:
        taxes = [(t.fiscal_year, t.income, t.has_arrears, t.declared)
                 for t in TaxSummary.unscoped.filter(resident=resident)]
    today = timezone.localdate()
    facts = build_facts(sub.data or {}, (resident.status, resident.birth_date)
                        if resident else None, taxes, rules.specs, today)
    outcome, reasons = rules.judge(facts)
    with transaction.atomic():
        case.review_outcome, case.review_reasons = outcome, reasons
        case.reviewed_at = timezone.now()
        case.save(update_fields=["review_outcome", "review_reasons", "reviewed_at"])
    return outcome, reasons


def _match_resident_orm(case: Case) -> ResidentRecord | None:
    birth = (case.submission.data or {}).get("birth_date")
    try:
        day = dt.date.fromisoformat(str(birth))
    except ValueError:
        return None
    key = _kana_key(case.applicant_kana)
    for r in ResidentRecord.unscoped.filter(municipality_id=case.municipality_id,
                                            birth_date=day):
        if key and _kana_key(r.full_name_kana) == key:
            return r
    return None


def event_text(outcome: str, reasons: list[str]) -> str:
    """The timeline's line for the latest review (kept on the case, not as an event row)."""
    if outcome == ReviewOutcome.PASS:
        return "適合 / pass"
    return "要確認 / refer: " + "; ".join(reasons)


def review_cases(case_ids: Iterable[int], *, by: Any = "system") -> ReviewSummary:
    """Review many cases set-based: per chunk, a few queries and bulk writes."""
    ids = list(case_ids)
    summary = ReviewSummary()
    cache: dict[tuple[int, int | None], RuleSet | None] = {}
    today = timezone.localdate()
    now = timezone.now()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = list(Case.unscoped.filter(pk__in=chunk).values_list(
            "pk", "municipality_id", "procedure_id", "submission__form_version_id",
            "submission__data", "submission__resident_id", "applicant_kana"))
        versions = _definitions({r[3] for r in rows if r[3]})
        resident_ids = {r[5] for r in rows if r[5]}
        matched = _match_residents_bulk([r for r in rows if not r[5]])
        resident_ids |= set(matched.values())
        residents = {pk: (status, birth) for pk, status, birth in ResidentRecord.unscoped
                     .filter(pk__in=resident_ids).values_list("pk", "status", "birth_date")}
        taxes: dict[int, list[tuple[int, int, bool, bool]]] = {}
        for rid, fy, income, arrears, declared in TaxSummary.unscoped.filter(
                resident_id__in=resident_ids).values_list(
                "resident_id", "fiscal_year", "income", "has_arrears", "declared"):
            taxes.setdefault(rid, []).append((fy, income, arrears, declared))
        groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        for pk, _muni, proc, version, data, rid, _kana in rows:
            key = (proc, version)
            if key not in cache:
                cache[key] = rule_set(proc, versions.get(version))
            rules = cache[key]
            if rules is None:
                summary.skipped += 1
                continue
            rid = rid or matched.get(pk)
            facts = build_facts(data or {}, residents.get(rid), taxes.get(rid, []),
                                rules.specs, today)
            outcome, reasons = rules.judge(facts)
            groups.setdefault((outcome, tuple(reasons)), []).append(pk)
            summary.reviewed += 1
            if outcome == ReviewOutcome.PASS:
                summary.passed += 1
            else:
                summary.referred += 1
                for reason in reasons:
                    summary.reasons[reason] = summary.reasons.get(reason, 0) + 1
        # Outcomes repeat (a handful of reason lists), so one UPDATE per distinct result
        # is far cheaper than a per-row CASE expression.
        with transaction.atomic():
            for (outcome, reasons), pks in groups.items():
                Case.unscoped.filter(pk__in=pks).update(
                    review_outcome=outcome, review_reasons=list(reasons), reviewed_at=now)
    return summary


def _definitions(version_ids: set[int]) -> dict[int, dict[str, Any]]:
    from mado.eforms.models import FormVersion

    return dict(FormVersion.unscoped.filter(pk__in=version_ids).values_list("pk", "definition"))


def _match_residents_bulk(rows: list[tuple[Any, ...]]) -> dict[int, int]:
    """Case pk → resident pk for submissions without a resident link (birth date + kana)."""
    wanted: dict[tuple[int, dt.date], list[tuple[int, str]]] = {}
    for pk, muni, _p, _v, data, _r, kana in rows:
        try:
            day = dt.date.fromisoformat(str((data or {}).get("birth_date")))
        except ValueError:
            continue
        wanted.setdefault((muni, day), []).append((pk, _kana_key(kana)))
    if not wanted:
        return {}
    found: dict[int, int] = {}
    munis = {m for m, _d in wanted}
    days = {d for _m, d in wanted}
    for rid, muni, day, fk, gk in ResidentRecord.unscoped.filter(
            municipality_id__in=munis, birth_date__in=days).values_list(
            "pk", "municipality_id", "birth_date", "family_name_kana", "given_name_kana"):
        key = _kana_key(f"{fk}{gk}")
        for pk, want in wanted.get((muni, day), []):
            if want and want == key:
                found.setdefault(pk, rid)
    return found
