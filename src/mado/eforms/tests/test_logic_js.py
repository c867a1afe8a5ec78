"""The browser mirror's rule trees give exactly what the server's compiled rules give.

A small reference interpreter over the exported JSON (written here, the way
apply/logic.js interprets it) is compared with ``CompiledRule.evaluate`` on
random facts for every rule of every demo form.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mado.eforms.logic import compile_definition
from mado.eforms.logic_js import export_logic, hidden_sections, rule_tree
from mado.procedures.rules import UNKNOWN, FactSpec, RuleError, compile_expression, compile_rule

FORMS = sorted((Path(__file__).parents[1] / "data" / "forms").glob("*.json"))


def _read(spec: FactSpec, v: Any) -> Any:
    t = spec.type
    if t == "bool":
        return v if v is True or v is False else UNKNOWN
    if t == "int":
        return v if type(v) is int else UNKNOWN
    if t in ("str", "choice"):
        return v if type(v) is str and (not spec.choices or v in spec.choices) else UNKNOWN
    if t == "int_list":
        return tuple(v) if type(v) is list and all(type(x) is int for x in v) else UNKNOWN
    ok = type(v) is list and all(type(x) is str and (not spec.choices or x in spec.choices)
                                 for x in v)
    return tuple(v) if ok else UNKNOWN


def ref(node: dict[str, Any], facts: dict[str, Any], specs: dict[str, FactSpec]) -> Any:
    """Reference interpreter of the exported tree (mirrors apply/logic.js)."""
    op = node["op"]
    if op == "const":
        return node["value"]
    if op == "list":
        return tuple(node["value"])
    if op == "name":
        return _read(specs[node["id"]], facts.get(node["id"]))
    if op in ("and", "or"):
        stop, unknown = op == "or", False
        for arg in node["args"]:
            r = ref(arg, facts, specs)
            if r is stop:
                return stop
            if r is not (not stop):
                unknown = True
        return UNKNOWN if unknown else (not stop)
    if op == "not":
        r = ref(node["arg"], facts, specs)
        return UNKNOWN if r is UNKNOWN else not r
    if op == "neg":
        r = ref(node["arg"], facts, specs)
        return UNKNOWN if r is UNKNOWN else -r
    if op in ("add", "sub", "mul"):
        a, b = ref(node["left"], facts, specs), ref(node["right"], facts, specs)
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        if op == "add":
            return a + b
        if op == "sub":
            return a - b
        p = a * b if abs(a) < 10**15 and abs(b) < 10**15 else 10**15
        return p if abs(p) < 10**15 else UNKNOWN
    if op == "compare":
        cmp = {"==": lambda x, y: x == y, "!=": lambda x, y: x != y,
               "<": lambda x, y: x < y, "<=": lambda x, y: x <= y,
               ">": lambda x, y: x > y, ">=": lambda x, y: x >= y,
               "in": lambda x, y: x in y, "not in": lambda x, y: x not in y}
        left, unknown = ref(node["left"], facts, specs), False
        for symbol, right_node in zip(node["ops"], node["right"], strict=True):
            right = ref(right_node, facts, specs)
            if left is UNKNOWN or right is UNKNOWN:
                unknown = True
            elif not cmp[symbol](left, right):
                return False
            left = right
        return UNKNOWN if unknown else True
    assert op == "call"
    args = [ref(a, facts, specs) for a in node["args"]]
    xs = args[0]
    if node["fn"] in ("any_between", "count_between"):
        count = node["fn"] == "count_between"
        if xs is UNKNOWN:
            return UNKNOWN
        if not xs:
            return 0 if count else False
        if args[1] is UNKNOWN or args[2] is UNKNOWN:
            return UNKNOWN
        n = sum(1 for x in xs if args[1] <= x <= args[2])
        return n if count else n > 0
    if xs is UNKNOWN:
        return UNKNOWN
    if node["fn"] == "len":
        return len(xs)
    return UNKNOWN if not xs else (min(xs) if node["fn"] == "min" else max(xs))


def _value(spec: FactSpec) -> st.SearchStrategy[Any]:
    words = st.sampled_from([*spec.choices, "x", ""]) if spec.choices else st.sampled_from(
        ["", "a", "other", "proxy"])
    by_type = {
        "bool": st.booleans(),
        "int": st.integers(-20, 20),
        "str": words, "choice": words,
        "int_list": st.lists(st.integers(-5, 90), max_size=4),
        "str_list": st.lists(words, max_size=3),
    }
    return st.one_of(st.none(), by_type[spec.type], st.just("3"))


SPECS = {
    "n": FactSpec("n", "int"), "m": FactSpec("m", "int"), "b": FactSpec("b", "bool"),
    "kind": FactSpec("kind", "choice", ("self", "proxy")), "ages": FactSpec("ages", "int_list"),
    "items": FactSpec("items", "str_list", ("a", "b")), "s": FactSpec("s", "str"),
}
EXTRA_RULES = [
    "n * m > 10 and not b", "kind == \"proxy\" or b", "0 < n <= m < 9", "-n < -3",
    "any_between(ages, 0, 17) and count_between(ages, 65, 99) >= 1", "len(ages) == 2",
    "min(ages) < 3 or max(ages) > 60", "\"a\" in items and s not in [\"x\", \"y\"]",
    "n in [1, 2, 3] or kind != \"self\"", "items == items and ages != ages",
]


def _cases() -> list[tuple[str, str, dict[str, FactSpec], str]]:
    cases = [(f"extra-{i}", rule, SPECS, "bool") for i, rule in enumerate(EXTRA_RULES)]
    for path in FORMS:
        compiled = compile_definition(json.loads(path.read_text(encoding="utf-8")))
        for rule in compiled.definition.get("logic") or []:
            kind = "int" if rule["action"] == "compute" else "bool"
            cases.append((path.stem, rule.get("when") or rule["expr"], compiled.specs, kind))
    return cases


CASES = _cases()


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.stem)
def test_every_demo_form_exports_every_step(path: Path) -> None:
    definition = json.loads(path.read_text(encoding="utf-8"))
    compiled = compile_definition(definition)
    targets = set()
    for step in definition["steps"]:
        logic = export_logic(compiled, step["key"])
        json.dumps(logic)  # serialisable
        here = {f["key"] for f in step["fields"]}
        targets |= {t for t in logic["show"] if t in here} | {t for t in logic["require"] if t in here}
        targets |= {t for t, _ in logic["computes"] if t in here}
        for trees in [*logic["show"].values(), *logic["require"].values()]:
            for tree in trees:
                assert _names(tree) <= set(logic["fields"])
    assert targets == {r["target"] for r in definition.get("logic") or []
                       if r["target"] not in {s["key"] for s in definition["steps"]}}


def _names(tree: Any) -> set[str]:
    if isinstance(tree, dict):
        own = {tree["id"]} if tree.get("op") == "name" else set()
        return own.union(*(_names(v) for v in tree.values()))
    if isinstance(tree, list):
        return set().union(*(_names(v) for v in tree))
    return set()


@pytest.mark.parametrize(("form", "source", "specs", "kind"), CASES,
                         ids=[f"{c[0]}:{c[1][:40]}" for c in CASES])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_tree_matches_server(form: str, source: str, specs: dict[str, FactSpec], kind: str,
                             data: Any) -> None:
    compiled = (compile_rule(source, specs) if kind == "bool"
                else compile_expression(source, specs, "int"))
    tree = json.loads(json.dumps(rule_tree(source, specs, kind)))  # as the browser receives it
    facts = {name: data.draw(_value(specs[name]), label=name) for name in sorted(compiled.names)}
    facts = {k: v for k, v in facts.items() if v is not None}
    assert ref(tree, facts, specs) == compiled.evaluate(facts) or (
        ref(tree, facts, specs) is UNKNOWN and compiled.evaluate(facts) is UNKNOWN)


def test_refused_rules_are_not_exported() -> None:
    for source in ("__import__('os')", "n.real > 0", "n ** 2 > 1", "lambda: 1"):
        with pytest.raises(RuleError):
            rule_tree(source, SPECS)


def test_juminhyo_requester_step_carries_the_proxy_rules_and_sections() -> None:
    compiled = compile_definition(json.loads(
        (Path(__file__).parents[1] / "data" / "forms" / "juminhyo-yuso.json").read_text("utf-8")))
    logic = export_logic(compiled, "requester")
    assert logic["show"]["power_of_attorney"] == [{
        "op": "compare", "left": {"op": "name", "id": "applicant_type"}, "ops": ["=="],
        "right": [{"op": "const", "value": "proxy"}]}]
    assert "proxy_heading" in logic["show"] and "fee_total" not in logic["fields"]
    content = export_logic(compiled, "delivery", {"copies": 2, "applicant_type": "self"})
    assert content["computes"][0][0] == "fee_total"
    assert content["fields"]["copies"] == {**content["fields"]["copies"], "value": 2, "here": False}
    assert hidden_sections(compiled, "requester", {"applicant_type": "self"}) == {"proxy_heading"}
    assert hidden_sections(compiled, "requester", {"applicant_type": "proxy"}) == set()
