"""Checks of the standard catalogue *data* (data/standard_catalogue.json).

Why: the catalogue is hand-written JSON that every new municipality imports;
a typo (an unknown department, a rule naming a fact that does not exist, a
counter procedure with nothing to bring) would only surface at import time or,
worse, as a silently wrong plan. The structural checks use the standard library
only, so they run against any edited copy; the rule checks then compile every
rule with the real parser and walk the two plans the issue's "done when" names.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "standard_catalogue.json"

LIFE_EVENTS = {
    "pregnancy", "birth", "moving_in", "moving_out", "moving_within", "marriage",
    "divorce", "death", "care", "employment_change", "school_entry", "disability",
}  # fmt: skip
# The facts of the issue-3 spec (CONTRACT.md plus Mado's own) and their types.
FACTS = {
    "household_size": "int", "children_ages": "int_list", "pregnant": "bool",
    "members_65_plus": "int", "members_75_plus": "int", "national_health_insurance": "bool",
    "employee_insurance": "bool", "national_pension_type1": "bool",
    "disability_certificate": "bool", "long_term_care_certified": "bool", "dog_owner": "bool",
    "has_my_number_card": "bool", "foreign_resident": "bool", "same_prefecture": "bool",
    "seal_registered": "bool", "child_allowance_recipient": "bool", "single_parent": "bool",
    "disaster_damage": "bool", "deceased_age": "int", "deceased_household_head": "bool",
    "deceased_national_health_insurance": "bool", "deceased_late_elderly_insurance": "bool",
    "deceased_long_term_care_insurance": "bool", "deceased_pension": "bool",
    "deceased_seal_registered": "bool", "deceased_disability_certificate": "bool",
    "deceased_child_allowance_recipient": "bool", "deceased_dog_owner": "bool",
    "deceased_has_my_number_card": "bool", "deceased_employee_insurance": "bool",
}  # fmt: skip
RULE_NAMES = set(FACTS) | {"life_event"}
FUNCTIONS = {"any_between", "count_between", "len", "min", "max"}
KEYWORDS = {"and", "or", "not", "in", "true", "false", "True", "False"}
DEMO_DEPARTMENTS = {
    "shimin", "hoken", "kosodate", "fukushi", "zeimu", "kaigo", "gakko", "kankyo", "kaikei",
}  # fmt: skip
CHANNELS = {"counter", "online", "mail", "konbini", "national_portal"}
FEE_UNITS = {"none", "fixed", "per_copy"}
CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED = {
    "code": str, "name": str, "name_kana": str, "name_en": str, "department": str,
    "legal_basis": str, "description": str, "description_en": str, "channels": list,
    "fee": int, "fee_unit": str, "fee_note": str, "documents": list, "who_may_apply": str,
    "proxy_documents": list, "processing_time": str, "deadline": str, "life_events": list,
    "rules": list, "default_reason": str, "plan_order": int, "annual_volume": int,
    "my_number_card_online": bool, "priority_online": bool,
}  # fmt: skip
# Column sizes of mado.procedures.models.Procedure, so an import never truncates.
MAX_LENGTHS = {
    "code": 80, "name": 200, "name_kana": 300, "name_en": 300, "legal_basis": 300,
    "fee_note": 300, "who_may_apply": 300, "processing_time": 200, "deadline": 200,
    "default_reason": 200, "default_reason_en": 200,
}  # fmt: skip

# The 27 procedures of the national plan to go online with the My Number card.
CARD_ONLINE_27 = {
    "jidoteate-nintei-seikyu", "jidoteate-gaku-kaitei", "jidoteate-henko-todoke",
    "jidoteate-shometsu-todoke", "jidoteate-mishiharai-seikyu", "jidoteate-kifu",
    "jidoteate-kifu-henko", "jidoteate-kyushokuhi-choshu", "jidoteate-kyushokuhi-choshu-henko",
    "jidoteate-genkyo-todoke", "hoiku-shikyu-nintei", "hoiku-riyo-moshikomi",
    "hoiku-genkyo-todoke", "jido-fuyo-teate-genkyo-jizen", "ninshin-todoke",
    "kaigo-nintei-shinsei", "kaigo-koshin-nintei", "kaigo-kubun-henko",
    "kaigo-kyotaku-keikaku-todoke", "kaigo-futan-wariai-saikofu", "kaigo-hihokenshasho-saikofu",
    "kaigo-kogaku-service-hi", "kaigo-futan-gendogaku", "kaigo-fukushi-yogu-konyu",
    "kaigo-jutaku-kaishu", "kaigo-tennyu-nintei", "risai-shomeisho",
}  # fmt: skip

_STRING_RE = re.compile(r"\"[^\"]*\"|'[^']*'")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _load() -> dict[str, Any]:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))


DATA = _load()
PROCS: list[dict[str, Any]] = DATA["procedures"]
BY_CODE = {p["code"]: p for p in PROCS}


def rule_names(expression: str) -> tuple[set[str], set[str]]:
    """(names, functions) an expression mentions — a tokenizer, not a parser."""
    text = _STRING_RE.sub(" ", expression)
    names: set[str] = set()
    functions: set[str] = set()
    for m in _NAME_RE.finditer(text):
        word = m.group()
        if word in KEYWORDS:
            continue
        if text[m.end() :].lstrip().startswith("("):
            functions.add(word)
        else:
            names.add(word)
    return names, functions


# ---- structure (standard library only) -------------------------------------------------


def test_top_level_shape() -> None:
    assert DATA["version"] == 1
    assert isinstance(DATA["departments"], list) and isinstance(PROCS, list)
    assert len(PROCS) >= 95


def test_departments_cover_the_demo_city_and_are_unique() -> None:
    codes = [d["code"] for d in DATA["departments"]]
    assert len(codes) == len(set(codes))
    assert DEMO_DEPARTMENTS <= set(codes)
    for d in DATA["departments"]:
        assert CODE_RE.match(d["code"]), d
        assert d["name"].strip() and isinstance(d["sort_order"], int), d
        assert len(d["name"]) <= 100 and len(d.get("location", "")) <= 200, d


def test_every_procedure_has_the_required_keys_with_the_right_types() -> None:
    for p in PROCS:
        for key, kind in REQUIRED.items():
            assert key in p, (p.get("code"), key)
            value = p[key]
            if kind is int:
                assert isinstance(value, int) and not isinstance(value, bool), (p["code"], key)
            else:
                assert isinstance(value, kind), (p["code"], key)
        for key in ("name", "name_kana", "name_en", "legal_basis", "description", "description_en"):
            assert p[key].strip(), (p["code"], key)
        for key, limit in MAX_LENGTHS.items():
            assert len(p.get(key, "")) <= limit, (p["code"], key)
        for key in ("documents", "proxy_documents"):
            assert all(isinstance(d, str) and d.strip() for d in p[key]), (p["code"], key)
        assert p["fee"] >= 0 and p["annual_volume"] >= 0 and p["plan_order"] >= 0


def test_codes_are_unique_lowercase_ascii_slugs() -> None:
    codes = [p["code"] for p in PROCS]
    assert [c for c, n in Counter(codes).items() if n > 1] == []
    bad = [c for c in codes if not CODE_RE.match(c) or not c.isascii()]
    assert bad == []


def test_departments_life_events_channels_and_fee_units_are_known() -> None:
    departments = {d["code"] for d in DATA["departments"]}
    for p in PROCS:
        assert p["department"] in departments, p["code"]
        assert set(p["life_events"]) <= LIFE_EVENTS, p["code"]
        assert len(p["life_events"]) == len(set(p["life_events"])), p["code"]
        assert p["channels"] and set(p["channels"]) <= CHANNELS, p["code"]
        assert p["fee_unit"] in FEE_UNITS, p["code"]
        assert (p["fee"] == 0) == (p["fee_unit"] == "none"), p["code"]


def test_counter_procedures_say_what_to_bring() -> None:
    missing = [p["code"] for p in PROCS if "counter" in p["channels"] and not p["documents"]]
    assert missing == []


def test_rules_are_when_reason_reason_en_over_known_facts() -> None:
    for p in PROCS:
        for rule in p["rules"]:
            assert isinstance(rule, dict), p["code"]
            assert set(rule) == {"when", "reason", "reason_en"}, p["code"]
            assert all(isinstance(rule[k], str) and rule[k].strip() for k in rule), p["code"]
            assert len(rule["when"]) <= 500, p["code"]
            names, functions = rule_names(rule["when"])
            assert names <= RULE_NAMES, (p["code"], names - RULE_NAMES)
            assert functions <= FUNCTIONS, (p["code"], functions - FUNCTIONS)
            # A literal life event in a rule must be one the procedure is tagged with.
            for event in re.findall(r"\"([a-z_]+)\"", rule["when"]):
                assert event in p["life_events"], (p["code"], event)


def test_proposed_procedures_always_have_a_reason() -> None:
    for p in PROCS:
        if p["life_events"] and not p["rules"]:
            assert p["default_reason"].strip() and p.get("default_reason_en", "").strip(), p["code"]


def test_tokenizer_sees_names_and_functions_but_not_strings() -> None:
    names, functions = rule_names('any_between(children_ages, 0, 5) and life_event == "not x"')
    assert names == {"children_ages", "life_event"} and functions == {"any_between"}
    assert rule_names("not bogus_fact")[0] == {"bogus_fact"}


# ---- content the issue asks for ---------------------------------------------------------


def test_the_27_card_online_procedures_are_flagged_exactly() -> None:
    flagged = {p["code"] for p in PROCS if p["my_number_card_online"]}
    assert flagged == CARD_ONLINE_27
    for code in CARD_ONLINE_27:
        assert "national_portal" in BY_CODE[code]["channels"], code
    assert sum(1 for c in CARD_ONLINE_27 if BY_CODE[c]["department"] == "kaigo") == 11


def test_every_life_event_has_at_least_three_procedures() -> None:
    counts = Counter(e for p in PROCS for e in p["life_events"])
    assert {e: counts[e] for e in LIFE_EVENTS if counts[e] < 3} == {}
    assert counts["death"] >= 18


@pytest.mark.parametrize(
    "code",
    [
        "juminhyo-utsushi", "juminhyo-kisai-jiko-shomei", "inkan-toroku-shomeisho",
        "shotoku-kazei-shomeisho", "nozei-shomeisho", "koseki-shomeisho", "joseki-shomeisho",
        "koseki-fuhyo-utsushi", "mibun-shomeisho", "tennyu-todoke", "tenshutsu-todoke",
        "tenkyo-todoke", "setai-henko-todoke", "tennyu-yoyaku", "mynumber-card-kofu-shinsei",
        "mynumber-card-kisai-henko", "mynumber-denshi-shomeisho-koshin", "kokuho-kanyu",
        "kokuho-tenshutsu", "kokuho-jusho-henko", "kokuho-setainushi-henko", "kokuho-sosaihi",
        "nenkin-dai1go-todoke", "nenkin-mishikyu-seikyu", "koki-shikaku-shutoku",
        "koki-sosaihi", "koki-shibou-soshitsu", "inu-toroku", "inu-shozaichi-henko",
        "inu-shibou-todoke", "inkan-toroku", "inkan-toroku-haishi", "shussei-todoke",
        "shibou-todoke", "kaso-kyoka-shinsei", "konin-todoke", "rikon-todoke",
        "sozokunin-daihyosha-shitei", "keijidosha-meigi-henko", "shizei-koza-furikae",
    ],
)  # fmt: skip
def test_required_procedure_is_present(code: str) -> None:
    assert code in BY_CODE


def test_realistic_fees() -> None:
    expected = {
        "juminhyo-utsushi": (300, "per_copy"), "inkan-toroku-shomeisho": (300, "per_copy"),
        "koseki-shomeisho": (450, "per_copy"), "joseki-shomeisho": (750, "per_copy"),
        "shotoku-kazei-shomeisho": (300, "per_copy"), "inu-toroku": (3000, "fixed"),
        "inu-kyokenbyo-chushazumihyo": (550, "fixed"), "mynumber-card-saikofu": (1000, "fixed"),
        "tennyu-todoke": (0, "none"),
    }  # fmt: skip
    assert {c: (BY_CODE[c]["fee"], BY_CODE[c]["fee_unit"]) for c in expected} == expected


# ---- rules through the real parser (mado.procedures.rules) --------------------------------

try:  # the parser is written concurrently; without it only the structural checks run
    from mado.procedures import rules as rules_mod
except ImportError:  # pragma: no cover
    rules_mod = None

needs_parser = pytest.mark.skipif(rules_mod is None, reason="mado.procedures.rules is missing")


def _specs() -> dict[str, Any]:
    try:
        from mado.procedures.facts import rule_specs
    except ImportError:  # the fact table is not there yet: the spec's facts
        specs = {k: rules_mod.FactSpec(key=k, type=t) for k, t in FACTS.items()}
        specs["life_event"] = rules_mod.FactSpec(
            key="life_event", type="str", choices=tuple(sorted(LIFE_EVENTS))
        )
        return specs
    return rule_specs()


@functools.cache
def compiled_rules() -> dict[str, list[tuple[Any, str]]]:
    specs = _specs()
    return {
        p["code"]: [(rules_mod.compile_rule(r["when"], specs), r["reason"]) for r in p["rules"]]
        for p in PROCS
    }


@needs_parser
def test_every_rule_compiles_with_the_real_parser() -> None:
    errors = []
    specs = _specs()
    for p in PROCS:
        for r in p["rules"]:
            try:
                compiled = rules_mod.compile_rule(r["when"], specs)
            except rules_mod.RuleError as exc:
                errors.append((p["code"], r["when"], str(exc)))
                continue
            assert compiled.names <= RULE_NAMES, p["code"]
    assert errors == []


def plan(event: str, facts: dict[str, Any]) -> tuple[dict[str, str], set[str]]:
    """(applies: code → reason, may apply) — the navigator's decision, for the data."""
    facts = dict(facts, life_event=event)
    applies: dict[str, str] = {}
    maybe: set[str] = set()
    for p in PROCS:
        if event not in p["life_events"]:
            continue
        if not p["rules"]:
            applies[p["code"]] = p["default_reason"]
            continue
        unknown = False
        for compiled, reason in compiled_rules()[p["code"]]:
            value = compiled.evaluate(facts)
            if value is True:
                applies[p["code"]] = reason
                break
            unknown = unknown or value is rules_mod.UNKNOWN
        else:
            if unknown:
                maybe.add(p["code"])
    return applies, maybe


MOVING_FAMILY = {
    "household_size": 4, "children_ages": [3, 7], "national_health_insurance": True,
    "employee_insurance": False, "dog_owner": True, "same_prefecture": False,
    "members_65_plus": 0, "members_75_plus": 0, "has_my_number_card": True,
}  # fmt: skip


@needs_parser
def test_family_moving_in_from_another_prefecture_gets_what_the_issue_lists() -> None:
    applies, maybe = plan("moving_in", MOVING_FAMILY)
    assert {
        "tennyu-todoke", "kokuho-kanyu", "jidoteate-nintei-seikyu", "kodomo-iryo-toroku",
        "tennyugaku-shogakko", "inu-shozaichi-henko", "mynumber-card-kisai-henko",
    } <= set(applies)  # fmt: skip
    assert "tennyugaku-chugakko" not in applies
    assert applies["jidoteate-nintei-seikyu"].startswith("高校生年代までのお子さん")
    for code in set(applies) | maybe:  # not even "may apply": nobody is 65 or over
        assert not code.startswith(("kaigo-", "koki-")), code


@needs_parser
def test_older_household_moving_in_gets_care_and_late_elderly_procedures() -> None:
    facts = dict(MOVING_FAMILY, children_ages=[], members_65_plus=2, members_75_plus=1,
                 long_term_care_certified=True)  # fmt: skip
    applies, _ = plan("moving_in", facts)
    assert {"kaigo-shikaku-shutoku-tennyu", "kaigo-tennyu-nintei", "koki-shikaku-shutoku"} <= set(
        applies
    )
    assert "koki-jusho-henko" not in applies
    same_pref, _ = plan("moving_in", dict(facts, same_prefecture=True))
    assert "koki-jusho-henko" in same_pref and "koki-shikaku-shutoku" not in same_pref


@needs_parser
def test_after_a_death_the_plan_follows_the_deceased_enrolments() -> None:
    on_late_elderly = {
        "deceased_age": 82, "household_size": 3, "deceased_household_head": True,
        "deceased_national_health_insurance": False, "deceased_late_elderly_insurance": True,
        "deceased_long_term_care_insurance": True, "deceased_pension": True,
        "deceased_seal_registered": True, "deceased_has_my_number_card": True,
        "deceased_disability_certificate": False, "deceased_child_allowance_recipient": False,
        "deceased_dog_owner": False, "deceased_employee_insurance": False,
        "national_health_insurance": False, "children_ages": [],
    }  # fmt: skip
    applies, _ = plan("death", on_late_elderly)
    assert {
        "shibou-todoke", "kaso-kyoka-shinsei", "setainushi-henko-todoke", "koki-shibou-soshitsu",
        "koki-sosaihi", "kaigo-shikaku-soshitsu-shibou", "nenkin-mishikyu-seikyu",
        "inkan-toroku-sho-henkan", "mynumber-card-henno",
    } <= set(applies)  # fmt: skip
    assert not {"kokuho-sosaihi", "kokuho-shibou-soshitsu", "shogaisha-techo-henkan"} & set(applies)

    on_nhi = dict(on_late_elderly, deceased_age=60, household_size=2,
                  deceased_national_health_insurance=True, deceased_late_elderly_insurance=False,
                  deceased_long_term_care_insurance=False, deceased_pension=False)  # fmt: skip
    applies, _ = plan("death", on_nhi)
    assert {"kokuho-shibou-soshitsu", "kokuho-sosaihi"} <= set(applies)
    assert not {"koki-sosaihi", "kaigo-shikaku-soshitsu-shibou", "setainushi-henko-todoke"} & set(
        applies
    )


@needs_parser
def test_a_move_in_depends_on_at_most_eight_facts() -> None:
    """Issue 3: at most 8 questions for a typical move-in. Only rules still undecided once
    the life event is known can need an answer; together they may name 8 facts at most."""
    asked: set[str] = set()
    for p in PROCS:
        if "moving_in" not in p["life_events"]:
            continue
        for compiled, _reason in compiled_rules()[p["code"]]:
            if compiled.evaluate({"life_event": "moving_in"}) is rules_mod.UNKNOWN:
                asked |= compiled.names - {"life_event"}
    assert len(asked) <= 8, sorted(asked)
