"""Tests of the applicability-rule language (pure Python: no database, no Django).

The hypothesis part checks the two properties the navigator relies on: with
every fact answered a rule agrees with a plain two-valued reference evaluator,
and with facts missing an answer other than UNKNOWN is never contradicted by
any later answers (soundness of the Kleene logic).
"""

from __future__ import annotations

import ast
import copy
import operator
import pickle
import subprocess
import sys
import timeit
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.procedures.rules import (
    UNKNOWN,
    CompiledRule,
    FactSpec,
    RuleError,
    compile_expression,
    compile_rule,
    validate_rule,
)

LIFE_EVENTS = ("pregnancy", "birth", "moving_in", "moving_out", "moving_within", "death")
FACT_TYPES = {
    "household_size": "int", "members_65_plus": "int", "members_75_plus": "int",
    "children_ages": "int_list", "pregnant": "bool", "national_health_insurance": "bool",
    "employee_insurance": "bool", "deceased_national_health_insurance": "bool",
    "deceased_late_elderly_insurance": "bool", "life_event": "str",
}
SPECS = {k: FactSpec(k, t) for k, t in FACT_TYPES.items()}  # type: ignore[arg-type]
SPECS["housing"] = FactSpec("housing", "choice", ("owned", "rented"))
U = UNKNOWN


def ev(source: str, **facts: object) -> object:
    return compile_rule(source, SPECS).evaluate(facts)


def error_of(source: object) -> RuleError:
    with pytest.raises(RuleError) as info:
        compile_rule(source, SPECS)  # type: ignore[arg-type]
    return info.value


# --- Kleene logic -----------------------------------------------------------

AND = {(True, True): True, (True, False): False, (True, U): U, (False, True): False,
       (False, False): False, (False, U): False, (U, True): U, (U, False): False, (U, U): U}
OR = {(True, True): True, (True, False): True, (True, U): True, (False, True): True,
      (False, False): False, (False, U): U, (U, True): True, (U, False): U, (U, U): U}


def _answers(**values: object) -> dict[str, object]:
    return {k: v for k, v in values.items() if v is not U}


@pytest.mark.parametrize(("a", "b"), list(AND))
def test_kleene_and_or_truth_tables(a: object, b: object) -> None:
    facts = _answers(pregnant=a, employee_insurance=b)
    assert ev("pregnant and employee_insurance", **facts) is AND[a, b]
    assert ev("pregnant or employee_insurance", **facts) is OR[a, b]


@pytest.mark.parametrize(("a", "expected"), [(True, False), (False, True), (U, U)])
def test_kleene_not(a: object, expected: object) -> None:
    assert ev("not pregnant", **_answers(pregnant=a)) is expected
    assert ev("not not pregnant", **_answers(pregnant=a)) is (U if a is U else a)


class RecordingFacts(Mapping[str, object]):
    def __init__(self, data: dict[str, object]) -> None:
        self.data, self.read = data, []

    def __getitem__(self, key: str) -> object:
        self.read.append(key)
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def test_short_circuit_does_not_read_the_rest() -> None:
    facts = RecordingFacts({"pregnant": False, "household_size": 3})
    assert compile_rule("pregnant and household_size > 1", SPECS).evaluate(facts) is False
    assert facts.read == ["pregnant"]
    facts = RecordingFacts({"pregnant": True, "household_size": 3})
    assert compile_rule("pregnant or household_size > 1", SPECS).evaluate(facts) is True
    assert facts.read == ["pregnant"]


def test_kleene_does_not_stop_at_unknown() -> None:
    assert ev("household_size > 1 and pregnant", pregnant=False) is False
    assert ev("household_size > 1 or pregnant", pregnant=True) is True
    assert ev("household_size > 1 and pregnant", pregnant=True) is U


# --- functions, comparisons, membership ------------------------------------

@pytest.mark.parametrize(("source", "ages", "expected"), [
    ("any_between(children_ages, 0, 17)", [3, 40], True),
    ("any_between(children_ages, 6, 14)", [5, 15], False),
    ("any_between(children_ages, 6, 14)", [6], True),  # bounds are inclusive
    ("any_between(children_ages, 6, 14)", [14], True),
    ("any_between(children_ages, 0, 17)", [], False),
    ("any_between(children_ages, 0, 17)", U, U),
    ("count_between(children_ages, 0, 5) == 2", [1, 5, 6], True),
    ("count_between(children_ages, 0, 5) == 0", [], True),
    ("count_between(children_ages, 0, 5) == 0", U, U),
    ("len(children_ages) == 3", [1, 1, 1], True),
    ("len(children_ages) == 0", [], True),
    ("len(children_ages) > 0", U, U),
    ("min(children_ages) == 2", [7, 2, 9], True),
    ("max(children_ages) == 9", [7, 2, 9], True),
    ("min(children_ages) < 100", [], U),  # no children: min is unknown, not 0
    ("max(children_ages) >= 0", [], U),
    ("max(children_ages) >= 0", U, U),
    ("any_between([1, 2, 3], 3, 3) and len([\"a\", \"b\"]) == 2", U, True),
])
def test_functions(source: str, ages: object, expected: object) -> None:
    assert ev(source, **_answers(children_ages=ages)) is expected


def test_function_bounds_may_be_facts() -> None:
    rule = "any_between(children_ages, 0, household_size)"
    assert ev(rule, children_ages=[]) is False  # empty list: false whatever the bound
    assert ev(rule, children_ages=[3]) is U
    assert ev(rule, children_ages=[3], household_size=3) is True
    assert ev("count_between(children_ages, members_65_plus, 9) == 1", children_ages=[1]) is U


@pytest.mark.parametrize(("size", "expected"), [(3, True), (0, False), (5, False), (U, U)])
def test_chained_comparison(size: object, expected: object) -> None:
    assert ev("0 < household_size < 5", **_answers(household_size=size)) is expected


def test_chained_comparison_is_kleene() -> None:
    rule = "household_size < 5 < members_65_plus"
    assert ev(rule, household_size=10) is False  # first link false decides
    assert ev(rule, household_size=1) is U
    assert ev(rule, members_65_plus=2) is False
    assert ev(rule, household_size=1, members_65_plus=6) is True
    assert ev("1 < 2 <= 2 != 3") is True


def test_arithmetic() -> None:
    assert ev("members_65_plus + members_75_plus - 1 == -1 + 2", members_65_plus=1,
              members_75_plus=1) is True
    assert ev("-household_size < 0", household_size=2) is True
    assert ev("household_size - members_65_plus > 0", household_size=2) is U


@pytest.mark.parametrize(("source", "facts", "expected"), [
    ("3 in children_ages", {"children_ages": [1, 3]}, True),
    ("3 not in children_ages", {"children_ages": [1, 3]}, False),
    ("3 in children_ages", {"children_ages": []}, False),
    ("3 in children_ages", {}, U),
    ("household_size in [1, 2, 3]", {"household_size": 2}, True),
    ("household_size not in [1, -2]", {"household_size": -2}, False),
    ('life_event in ["moving_in", "moving_within"]', {"life_event": "moving_within"}, True),
    ('life_event not in ["moving_in"]', {"life_event": "birth"}, True),
    ('housing in ["owned"]', {"housing": "rented"}, False),
    ('housing == "owned"', {}, U),
    ("children_ages == [1, 2]", {"children_ages": [1, 2]}, True),
    ("pregnant == true", {"pregnant": True}, True),
    ("pregnant != False", {"pregnant": False}, False),
])
def test_membership_and_equality(source: str, facts: dict[str, object], expected: object) -> None:
    assert ev(source, **facts) is expected


SPEC_EXAMPLES = [
    ('life_event == "moving_in"', {"life_event": "moving_in"}, True),
    ('life_event == "moving_in"', {"life_event": "birth"}, False),
    ("any_between(children_ages, 0, 17)", {"children_ages": [18, 17]}, True),
    ("national_health_insurance and not employee_insurance",
     {"national_health_insurance": True, "employee_insurance": False}, True),
    ("national_health_insurance and not employee_insurance", {"employee_insurance": True}, False),
    ("national_health_insurance and not employee_insurance",
     {"national_health_insurance": True}, U),
    ('any_between(children_ages, 6, 14) and life_event in ["moving_in", "moving_within"]',
     {"children_ages": [8], "life_event": "moving_within"}, True),
    ('any_between(children_ages, 6, 14) and life_event in ["moving_in", "moving_within"]',
     {"life_event": "death"}, False),
    ("members_65_plus > 0", {"members_65_plus": 1}, True),
    ("members_65_plus > 0", {"members_65_plus": 0}, False),
    ("deceased_national_health_insurance or deceased_late_elderly_insurance",
     {"deceased_late_elderly_insurance": True}, True),
    ("deceased_national_health_insurance or deceased_late_elderly_insurance",
     {"deceased_late_elderly_insurance": False}, U),
]


@pytest.mark.parametrize(("source", "facts", "expected"), SPEC_EXAMPLES)
def test_spec_examples(source: str, facts: dict[str, object], expected: object) -> None:
    assert ev(source, **facts) is expected


@pytest.mark.parametrize(("fact", "value"), [
    ("household_size", "3"), ("household_size", True), ("household_size", 3.0),
    ("household_size", None), ("children_ages", [1, "2"]), ("children_ages", "3,4"),
    ("children_ages", [True]), ("pregnant", 1), ("pregnant", "yes"), ("housing", "villa"),
    ("life_event", 3),
])
def test_wrong_runtime_type_reads_as_unknown(fact: str, value: object) -> None:
    rule = {"household_size": "household_size > 0", "children_ages": "len(children_ages) >= 0",
            "pregnant": "pregnant or not pregnant", "housing": 'housing != "owned"',
            "life_event": 'life_event != "birth"'}[fact]
    assert ev(rule, **{fact: value}) is U


def test_accepts_any_mapping_and_tuples() -> None:
    rule = compile_rule("2 in children_ages", SPECS)
    assert rule.evaluate(MappingProxyType({"children_ages": (1, 2)})) is True


# --- rejections -------------------------------------------------------------

@pytest.mark.parametrize(("source", "fragment", "column"), [
    ("__import__('os')", "names starting with _", 1),
    ("__import__('os').system('true')", "bare name", 1),
    ("(1).__class__", "attribute access", 1),
    ("pregnant.__class__", "attribute access", 1),
    ("children_ages[0] > 1", "subscript", 1),
    ("[x for x in children_ages]", "comprehension", 1),
    ("any(x > 1 for x in children_ages)", "unknown function", 1),
    ("lambda: True", "lambda", 1),
    ("pregnant if pregnant else pregnant", "conditional expression", 1),
    ("'a' * 10**9 == 'a'", "operator '*'", 1),
    ("household_size ** 2 > 1", "operator '**'", 1),
    ("household_size / 2 > 1", "operator '/'", 1),
    ('f"{pregnant}" == "x"', "f-string", 1),
    ("(pregnant := True)", "assignment expression", 2),
    ("{1: 2} == 1", "dict", 1),
    ("household_size in {1, 2}", "set", 19),
    ("household_size in (1, 2)", "tuple", 19),
    ("~household_size > 1", "unary operator '~'", 1),
    ("pregnant is True", "'is' is not allowed", 1),
    ("pregnant and unknown_fact", "unknown name 'unknown_fact'", 14),
    ("pregnnt", "did you mean 'pregnant'", 1),
    ("sum(children_ages) > 1", "unknown function 'sum'", 1),
    ("pregnant.bit_length()", "bare name", 1),
    ("len(children_ages, 1) > 0", "takes 1 argument", 1),
    ("any_between(children_ages, 1) ", "takes 3 argument", 1),
    ("any_between(children_ages, lo=1, hi=2)", "positional", 1),
    ("len(*children_ages) > 0", "positional", 1),
    ("children_ages > 3", "cannot compare int_list with int", 1),
    ("pregnant == 1", "cannot compare bool with int", 1),
    ('household_size == "3"', "cannot compare int with str", 1),
    ('life_event > "a"', "only integers can be ordered", 1),
    ("pregnant < true", "only integers can be ordered", 1),
    ("household_size and pregnant", "each operand of 'and' must be bool", 1),
    ("not household_size", "operand of 'not' must be bool", 5),
    ("-pregnant == 1", "operand of unary '-' must be int", 2),
    ('"a" + "b" == "ab"', "both sides of '+' must be int", 1),
    ("any_between(household_size, 1, 2)", "argument 1 of any_between", 13),
    ("any_between(children_ages, 1, true)", "argument 3 of any_between", 31),
    ('household_size in ["1"]', "cannot look for int in str_list", 1),
    ("household_size in household_size", "right side of 'in' must be a list", 19),
    ('housing == "villa"', "not a choice of 'housing'", 12),
    ('housing in ["owned", "villa"]', "not a choice of 'housing'", 12),
    ("household_size in []", "empty list", 19),
    ("household_size in [1, pregnant]", "constants", 23),
    ("[1, 'a'] == [1]", "cannot mix", 5),
    ("[true] == [true]", "constants", 2),
    ("1.5 > household_size", "float", 1),
    ("1j == 1j", "complex", 1),
    ("b'x' == b'x'", "bytes", 1),
    ("None == None", "None", 1),
    ("household_size > 1000001", "out of range", 18),
    ("household_size + 1", "must be a boolean expression", 1),
    ("any_between", "is a function", 1),
    ("pregnant and (", "syntax error", 14),
    ("'unterminated", "syntax error", 1),
    ("pregnant pregnant", "syntax error", 10),
])
def test_rejections(source: str, fragment: str, column: int) -> None:
    err = error_of(source)
    assert isinstance(err, ValueError)
    assert fragment in err.message, err.message
    assert err.column == column, str(err)


def test_error_messages_are_bilingual_with_position() -> None:
    err = error_of("children_ages > 3")
    assert err.message == (
        "「children_ages」は数のリストなので 3 と比べられません / cannot compare int_list with int")
    assert str(err) == ("「children_ages」は数のリストなので 3 と比べられません（1文字目） / "
                        "cannot compare int_list with int (column 1)")
    # Columns count characters, not UTF-8 bytes, and survive leading blanks.
    assert error_of('"日本語" == pregnant.x').column == 10
    assert error_of('  life_event == "婚" and nope').column == 25
    assert error_of('"日本語" == (').column == 10
    err = error_of("(pregnant and\n   nope)")
    assert (err.line, err.column) == (2, 4)
    assert "2行4文字目" in str(err) and "line 2, column 4" in str(err)
    for e in (error_of("pregnant +* 1"), error_of("x.y"), error_of("x" * 501)):
        ja, en = e.message.split(" / ", 1)
        assert any(ord(c) > 0x3000 for c in ja) and en.isascii()


@pytest.mark.parametrize("source", [None, 3, "", "   ", "pregnant\x00"])
def test_rejects_non_rules(source: object) -> None:
    assert error_of(source).column is None


def test_limits() -> None:
    assert compile_rule("pregnant" + " " * 492, SPECS)  # exactly 500 characters
    assert "too long" in error_of("pregnant" + " " * 493).message
    assert compile_rule("not " * 19 + "pregnant", SPECS)  # depth 20
    err = error_of("not " * 20 + "pregnant")
    assert "nested too deeply" in err.message and err.column == 81
    assert "nested too deeply" in error_of("(" * 25 + "pregnant" + ")" * 25 + " and " + "not " * 20
                                           + "pregnant").message
    assert compile_rule(f"household_size in [{', '.join(['1'] * 50)}]", SPECS)
    assert "too long" in error_of(f"household_size in [{', '.join(['1'] * 51)}]").message
    assert ev("household_size > -1000000 and household_size < 1000000", household_size=0) is True
    assert "out of range" in error_of("household_size > -1000001").message
    assert "out of range" in error_of("household_size > 0x1000000").message


def test_validate_rule() -> None:
    assert validate_rule("pregnant", SPECS) is None
    with pytest.raises(RuleError):
        validate_rule("pregnant and", SPECS)
    with pytest.raises(RuleError):
        validate_rule("pregnant", {})  # names come only from the caller's specs


def test_life_event_is_just_a_name_from_the_specs() -> None:
    with pytest.raises(RuleError, match="unknown name 'life_event'"):
        compile_rule('life_event == "birth"', {})
    specs = {"life_event": FactSpec("life_event", "choice", LIFE_EVENTS)}
    assert compile_rule('life_event == "birth"', specs).names == {"life_event"}
    with pytest.raises(RuleError, match="not a choice"):
        compile_rule('life_event == "brith"', specs)


# --- API objects ------------------------------------------------------------

def test_unknown_sentinel() -> None:
    assert repr(UNKNOWN) == "UNKNOWN"
    assert copy.copy(UNKNOWN) is UNKNOWN and copy.deepcopy(UNKNOWN) is UNKNOWN
    assert pickle.loads(pickle.dumps(UNKNOWN)) is UNKNOWN  # noqa: S301
    with pytest.raises(TypeError):
        bool(UNKNOWN)  # "if rule.evaluate(...)" must not mistake unknown for true


def test_compiled_rule_and_errors_pickle() -> None:
    rule = compile_rule("any_between(children_ages, 0, 17) or pregnant", SPECS)
    assert isinstance(rule, CompiledRule) and rule.source.startswith("any_between")
    assert rule.names == frozenset({"children_ages", "pregnant"})
    again = pickle.loads(pickle.dumps(rule))  # noqa: S301
    assert again == rule and again.evaluate({"children_ages": [4]}) is True
    err = pickle.loads(pickle.dumps(error_of("nope")))  # noqa: S301
    assert isinstance(err, RuleError) and err.column == 1 and "nope" in str(err)


def test_names_exclude_constants_and_functions() -> None:
    rule = compile_rule('true and len([1]) == 1 and life_event != "x"', SPECS)
    assert rule.names == {"life_event"}
    assert compile_rule("1 < 2", SPECS).names == frozenset()


def test_factspec_rejects_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown fact type"):
        FactSpec("x", "float")  # type: ignore[arg-type]


def test_no_django_and_no_eval() -> None:
    code = ("import sys, mado.procedures.rules as r; "
            "assert not [m for m in sys.modules if m.split('.')[0] == 'django']")
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603
    here = Path(__file__).resolve().parents[1]
    for name in ("rules.py", "rules_parser.py", "rules_eval.py"):
        tree = ast.parse((here / name).read_text(encoding="utf-8"))
        called = {n.func.id for n in ast.walk(tree)
                  if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not called & {"eval", "exec", "compile", "__import__"}, name


def test_evaluation_is_fast() -> None:
    rule = compile_rule('any_between(children_ages, 6, 14) and life_event in ["moving_in", '
                        '"moving_within"] or members_65_plus > 0 and not pregnant', SPECS)
    facts = {"children_ages": [3, 9], "life_event": "moving_in", "members_65_plus": 1}
    per_call = min(timeit.repeat(lambda: rule.evaluate(facts), number=2000, repeat=3)) / 2000
    assert per_call < 50e-6, per_call  # typically ~1-2 µs


# --- property tests ---------------------------------------------------------

INT_FACTS = ("household_size", "members_65_plus", "members_75_plus")
BOOL_FACTS = ("pregnant", "national_health_insurance", "employee_insurance")
STR_POOLS = {"life_event": LIFE_EVENTS, "housing": ("owned", "rented")}
VALUES = {
    **{k: st.integers(-3, 30) for k in INT_FACTS},
    **{k: st.booleans() for k in BOOL_FACTS},
    "children_ages": st.lists(st.integers(0, 25), min_size=1, max_size=5),
    **{k: st.sampled_from(v) for k, v in STR_POOLS.items()},
}
CMP = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
       ">": operator.gt, ">=": operator.ge}


def _node(kind: str, *parts: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.just(kind), *parts)


@lru_cache
def int_exprs(depth: int) -> st.SearchStrategy:
    leaves = st.one_of(_node("const", st.integers(-20, 20)),
                       _node("fact", st.sampled_from(INT_FACTS)))
    if depth == 0:
        return leaves
    sub, lists = int_exprs(depth - 1), list_exprs()
    return st.one_of(
        leaves, _node("add", sub, sub), _node("sub", sub, sub), _node("neg", sub),
        _node("len", lists), _node("min", lists), _node("max", lists),
        _node("count_between", lists, sub, sub),
    )


@lru_cache
def list_exprs() -> st.SearchStrategy:
    return st.one_of(_node("fact", st.just("children_ages")),
                     _node("list", st.lists(st.integers(-5, 25), min_size=1, max_size=5)))


def _str_compare() -> st.SearchStrategy:
    def build(key: str) -> st.SearchStrategy:
        pool = st.sampled_from(STR_POOLS[key])
        return st.one_of(
            _node("cmp", st.just(("fact", key)),
                  st.tuples(st.tuples(st.sampled_from(["==", "!="]), _node("str", pool)))),
            _node("in", st.just(("fact", key)), _node("strs", st.lists(pool, min_size=1)),
                  st.booleans()),
        )

    return st.sampled_from(sorted(STR_POOLS)).flatmap(build)


@lru_cache
def bool_exprs(depth: int) -> st.SearchStrategy:
    leaves = st.one_of(_node("bool", st.sampled_from(["true", "false", "True", "False"])),
                       _node("fact", st.sampled_from(BOOL_FACTS)), _str_compare())
    if depth == 0:
        return leaves
    sub, ints = bool_exprs(depth - 1), int_exprs(depth - 1)
    return st.one_of(
        leaves, _node("not", sub),
        _node("and", st.lists(sub, min_size=2, max_size=3)),
        _node("or", st.lists(sub, min_size=2, max_size=3)),
        _node("cmp", ints, st.lists(st.tuples(st.sampled_from(sorted(CMP)), ints),
                                    min_size=1, max_size=2).map(tuple)),
        _node("in", ints, list_exprs(), st.booleans()),
        _node("any_between", list_exprs(), ints, ints),
    )


def render(n: tuple) -> str:  # every composite parenthesised: no precedence questions
    kind = n[0]
    if kind in ("bool", "fact"):
        return n[1]
    if kind == "const":
        return f"({n[1]})" if n[1] < 0 else str(n[1])
    if kind in ("str", "strs"):
        return '"' + n[1] + '"' if kind == "str" else "[" + ", ".join(f'"{s}"' for s in n[1]) + "]"
    if kind == "list":
        return "[" + ", ".join(map(str, n[1])) + "]"
    if kind in ("and", "or"):
        return "(" + f" {kind} ".join(map(render, n[1])) + ")"
    if kind == "not":
        return f"(not {render(n[1])})"
    if kind == "neg":
        return f"(-{render(n[1])})"
    if kind in ("add", "sub"):
        return f"({render(n[1])} {'+' if kind == 'add' else '-'} {render(n[2])})"
    if kind == "cmp":
        return "(" + render(n[1]) + "".join(f" {op} {render(x)}" for op, x in n[2]) + ")"
    if kind == "in":
        return f"({render(n[1])} {'not in' if n[3] else 'in'} {render(n[2])})"
    return f"{kind}({', '.join(map(render, n[1:]))})"


def reference(n: tuple, facts: dict[str, object]) -> object:
    """Classic two-valued semantics, written independently of the implementation."""
    kind, r = n[0], (lambda x: reference(x, facts))
    if kind == "bool":
        return n[1] in ("true", "True")
    if kind in ("const", "str"):
        return n[1]
    if kind in ("list", "strs"):
        return list(n[1])
    if kind == "fact":
        return facts[n[1]]
    if kind == "not":
        return not r(n[1])
    if kind == "and":
        return all(r(x) for x in n[1])
    if kind == "or":
        return any(r(x) for x in n[1])
    if kind == "neg":
        return -r(n[1])
    if kind == "add":
        return r(n[1]) + r(n[2])
    if kind == "sub":
        return r(n[1]) - r(n[2])
    if kind == "cmp":
        values = [r(n[1])] + [r(x) for _, x in n[2]]
        return all(CMP[op](values[i], values[i + 1]) for i, (op, _) in enumerate(n[2]))
    if kind == "in":
        return (r(n[1]) in r(n[2])) != n[3]
    if kind in ("len", "min", "max"):
        return {"len": len, "min": min, "max": max}[kind](r(n[1]))
    xs, lo, hi = r(n[1]), r(n[2]), r(n[3])
    hits = [x for x in xs if lo <= x <= hi]
    return bool(hits) if kind == "any_between" else len(hits)


def fact_names(n: object) -> set[str]:
    if isinstance(n, tuple) and n and n[0] == "fact":
        return {n[1]}
    if isinstance(n, tuple | list):
        return set().union(*(fact_names(x) for x in n))
    return set()


ALL_FACTS = st.fixed_dictionaries(VALUES)


@settings(max_examples=300, deadline=None)
@given(tree=bool_exprs(3), facts=ALL_FACTS)
def test_agrees_with_reference_when_all_facts_known(tree: tuple, facts: dict) -> None:
    source = render(tree)
    if len(source) > 500:
        assert "too long" in error_of(source).message
        return
    rule = compile_rule(source, SPECS)
    assert rule.names == fact_names(tree)
    assert rule.evaluate(facts) is reference(tree, facts)


@settings(max_examples=300, deadline=None)
@given(tree=bool_exprs(3), facts=ALL_FACTS, data=st.data())
def test_three_valued_answers_are_sound(tree: tuple, facts: dict, data: st.DataObject) -> None:
    source = render(tree)
    if len(source) > 500:
        return
    rule = compile_rule(source, SPECS)
    if not rule.names:
        return
    gone = data.draw(st.sets(st.sampled_from(sorted(rule.names)), min_size=1, max_size=2)
                     | st.sets(st.sampled_from(sorted(VALUES))), label="unanswered")
    partial = dict(facts)
    for key in gone:  # unanswered, null, or an unusable value: all mean "unknown"
        spoil = data.draw(st.sampled_from(["drop", "none", "wrong"]), label=f"spoil {key}")
        if spoil == "drop":
            del partial[key]
        else:
            partial[key] = None if spoil == "none" else ("x" if FACT_TYPES.get(key) != "str" else 7)
    result = rule.evaluate(partial)
    assert result is True or result is False or result is UNKNOWN
    if result is UNKNOWN:
        return
    completions = [facts] + [
        {**facts, **data.draw(st.fixed_dictionaries({k: VALUES[k] for k in gone}))}
        for _ in range(3)
    ]
    for full in completions:
        assert reference(tree, full) is result, (source, partial, full)


# --- additions for forms: str_list facts, '*' and value expressions ----------

FORM_SPECS = {
    "services": FactSpec("services", "str_list", ("lunch", "bus", "care")),
    "tags": FactSpec("tags", "str_list"),
    "copies": FactSpec("copies", "int"),
    "pages": FactSpec("pages", "int"),
    "proxy": FactSpec("proxy", "bool"),
}


def form_ev(source: str, **facts: object) -> object:
    return compile_rule(source, FORM_SPECS).evaluate(facts)


@pytest.mark.parametrize(("source", "facts", "expected"), [
    ('"lunch" in services', {"services": ["lunch", "bus"]}, True),
    ('"care" in services', {"services": ["lunch"]}, False),
    ('"care" not in services', {"services": ["lunch"]}, True),
    ('"care" in services', {"services": []}, False),
    ('"care" in services', {}, U),
    ('"care" in services', {"services": ["villa"]}, U),  # an element outside the choices
    ('"care" in services', {"services": "care"}, U),  # not a list
    ('"x" in tags', {"tags": ("x",)}, True),
    ("len(services) >= 2", {"services": ["lunch", "bus"]}, True),
    ("copies * 300 > 1000", {"copies": 4}, True),
    ("copies * 300 > 1000", {"copies": 3}, False),
    ("copies * pages + 1 == 7", {"copies": 2, "pages": 3}, True),
    ("copies * 300 > 1000", {}, U),
])
def test_str_list_and_multiplication(source: str, facts: dict, expected: object) -> None:
    assert form_ev(source, **facts) is expected


@pytest.mark.parametrize(("source", "fragment"), [
    ('"villa" in services', "not a choice of 'services'"),
    ("1 in services", "cannot look for int in str_list"),
    ('services == "lunch"', "cannot compare str_list with str"),
    ('"a" * 3 == "aaa"', "operator '*' multiplies integers only"),
    ("copies * proxy > 1", "both sides of '*'"),
    ("copies / 2 > 1", "only +, - and *"),
])
def test_form_rejections(source: str, fragment: str) -> None:
    with pytest.raises(RuleError) as info:
        compile_rule(source, FORM_SPECS)
    assert fragment in info.value.message, info.value.message


def test_compile_expression_gives_ints() -> None:
    expr = compile_expression("copies * 300 + 50", FORM_SPECS)
    assert expr.names == frozenset({"copies"})
    assert expr.evaluate({"copies": 3}) == 950
    assert expr.evaluate({}) is U
    assert expr.evaluate({"copies": "3"}) is U
    with pytest.raises(RuleError, match="must give int, not bool"):
        compile_expression("copies > 3", FORM_SPECS)
    with pytest.raises(RuleError, match="must be a boolean expression, not int"):
        compile_rule("copies * 3", FORM_SPECS)
    assert compile_expression("copies > 3", FORM_SPECS, "bool").evaluate({"copies": 4}) is True


def test_products_are_bounded() -> None:
    expr = compile_expression("copies * copies * copies * copies", FORM_SPECS)
    assert expr.evaluate({"copies": 10**5}) is U  # 10**20: past the bound, unknown
    assert expr.evaluate({"copies": 10**3}) == 10**12
    assert form_ev("copies * copies > 0", copies=10**12) is U
