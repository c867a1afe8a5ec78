"""Export a form step's logic as JSON trees for the browser mirror (``apply/logic.js``).

Why trees and not source text: the browser must never ``eval`` anything (a
strict CSP forbids it, and rules are staff-written data). Each rule is first
compiled by :mod:`mado.procedures.rules` — the same whitelist and type check
the server uses, so nothing the server would refuse can be exported — and
only then is its ``ast`` turned into small ``{"op": ...}`` nodes that a
forty-line interpreter in JavaScript evaluates with the same Kleene logic.

Only what one step needs is exported: the show/require/compute rules whose
target is a field (or section) of the step, or the step itself, plus —
transitively — the rules deciding the fields they read. Fields of other steps
travel as constants (their clean values from the server). The server stays
the authority: it re-evaluates and re-validates everything on submit.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from mado.eforms.logic import CompiledForm, compile_definition
from mado.eforms.schema import fact_specs
from mado.procedures.rules import compile_expression, compile_rule

_BOOL_NAMES = {"true": True, "false": False, "True": True, "False": False}
_CMP = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in",
}
_BIN = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul"}


def to_tree(node: ast.AST) -> dict[str, Any]:
    """One checked ast node as a JSON node (call only on a source the compiler accepted)."""
    if isinstance(node, ast.Expression):
        return to_tree(node.body)
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        return {"op": op, "args": [to_tree(v) for v in node.values]}
    if isinstance(node, ast.UnaryOp):
        inner = to_tree(node.operand)
        if isinstance(node.op, ast.Not):
            return {"op": "not", "arg": inner}
        if inner["op"] == "const":  # folded like the compiler does: "-3" is a constant
            return {"op": "const", "value": -inner["value"]}
        return {"op": "neg", "arg": inner}
    if isinstance(node, ast.BinOp):
        return {"op": _BIN[type(node.op)], "left": to_tree(node.left),
                "right": to_tree(node.right)}
    if isinstance(node, ast.Compare):
        return {"op": "compare", "left": to_tree(node.left),
                "ops": [_CMP[type(o)] for o in node.ops],
                "right": [to_tree(c) for c in node.comparators]}
    if isinstance(node, ast.Name):
        if node.id in _BOOL_NAMES:
            return {"op": "const", "value": _BOOL_NAMES[node.id]}
        return {"op": "name", "id": node.id}
    if isinstance(node, ast.Constant):
        return {"op": "const", "value": node.value}
    if isinstance(node, ast.List):
        return {"op": "list", "value": [to_tree(e)["value"] for e in node.elts]}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return {"op": "call", "fn": node.func.id, "args": [to_tree(a) for a in node.args]}
    raise ValueError(f"unexpected node {type(node).__name__}")  # the compiler refused it first


def rule_tree(source: str, specs: Mapping[str, Any], result_type: str = "bool") -> dict[str, Any]:
    """Compile ``source`` (raises RuleError like the server would), then convert its tree."""
    if result_type == "bool":
        compile_rule(source, specs)
    else:
        compile_expression(source, specs, result_type)
    return to_tree(ast.parse(source.strip(), mode="eval"))


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if value is None or isinstance(value, bool | int | str | list):
        return value
    return None  # names, files, groups are no facts


def export_logic(form: CompiledForm | Mapping[str, Any], step_key: str,
                 values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What ``logic.js`` needs to mirror the server's logic on ``step_key``, JSON-serialisable.

    ``values`` are clean values (``Evaluation.values``); those of fields on other
    steps are sent as constants. A field whose value is unknown here reads as UNKNOWN.
    """
    compiled = form if isinstance(form, CompiledForm) else compile_definition(form)
    definition = compiled.definition
    values = values or {}
    steps = [s["key"] for s in definition["steps"]]
    if step_key not in steps:
        raise KeyError(step_key)
    all_fields = {f["key"]: (s["key"], f) for s in definition["steps"] for f in s["fields"]}
    specs = compiled.specs or fact_specs([f for _, f in all_fields.values()])
    by_target: dict[str, list[dict[str, Any]]] = {}
    for rule in definition.get("logic") or []:
        by_target.setdefault(rule["target"], []).append(rule)

    here = [f["key"] for f in next(s for s in definition["steps"] if s["key"] == step_key)["fields"]]
    needed: set[str] = {step_key, *here}
    queue = list(needed)
    while queue:
        target = queue.pop()
        more: set[str] = set()
        if target in all_fields:
            more.add(all_fields[target][0])
        for rule in by_target.get(target, []):
            names = (compile_expression(rule["expr"], specs, "int") if rule["action"] == "compute"
                     else compile_rule(rule["when"], specs)).names
            more |= set(names)
        for name in more - needed:
            needed.add(name)
            queue.append(name)

    show: dict[str, list[dict[str, Any]]] = {}
    require: dict[str, list[dict[str, Any]]] = {}
    computes: list[list[Any]] = []
    for rule in definition.get("logic") or []:
        target = rule["target"]
        if target not in needed:
            continue
        if rule["action"] == "compute":
            computes.append([target, rule_tree(rule["expr"], specs, "int")])
        else:
            bucket = show if rule["action"] == "show" else require
            bucket.setdefault(target, []).append(rule_tree(rule["when"], specs))

    fields: dict[str, dict[str, Any]] = {}
    for key in sorted(needed & set(all_fields)):
        step, spec = all_fields[key]
        fact = specs.get(key)
        entry: dict[str, Any] = {
            "step": step, "type": spec.get("type"), "here": step == step_key,
            "fact": fact.type if fact else None, "choices": list(fact.choices) if fact else [],
            "required": spec.get("required") is True, "value": _json_value(values.get(key)),
            "value_field": key in compiled.by_key,
        }
        for bound in ("min", "max"):
            if isinstance(spec.get(bound), int) and not isinstance(spec.get(bound), bool):
                entry[bound] = spec[bound]
        fields[key] = entry
    return {"step": step_key, "steps": steps, "fields": fields, "show": show,
            "require": require, "computes": computes}


def hidden_sections(form: CompiledForm, step_key: str, facts: Mapping[str, Any]) -> set[str]:
    """Sections of ``step_key`` with show rules, none True over ``facts`` (visible clean values).

    Sections carry no value, so :func:`mado.eforms.logic.evaluate` does not decide
    them; the step page hides them the same way the browser mirror does.
    """
    step = next((s for s in form.definition["steps"] if s["key"] == step_key), None)
    if step is None:
        return set()
    hidden = set()
    for f in step["fields"]:
        rules = [r for r in form.definition.get("logic") or []
                 if r["target"] == f["key"] and r["action"] == "show"]
        if f.get("type") == "section" and rules and not any(
                compile_rule(r["when"], form.specs).evaluate(facts) is True for r in rules):
            hidden.add(f["key"])
    return hidden
