"""The relational half of definition checking: logic rules, compute cycles, autofill targets.

Why apart from :mod:`mado.eforms.schema`: these checks need the whole form in
view and the rule compiler — a rule's target must exist and have the right
type, its condition must type-check against the form's fields as facts (so
``purpose == "villa"`` is refused when "villa" is not a choice), and compute
expressions must not feed on themselves. Errors carry paths such as
``logic[3].when`` with the compiler's column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mado.eforms.fields import VALUE_TYPES
from mado.eforms.schema import (
    ACTIONS,
    MAX_LOGIC,
    RULE_PROPERTIES,
    Checker,
    among,
    fact_specs,
    top_fields,
)
from mado.procedures.rules import RuleError, compile_expression, compile_rule


def check_autofill(c: Checker, data: Mapping[str, Any]) -> None:
    fields = {f["key"]: f for _, f, _ in top_fields(data)}
    for _, f, path in top_fields(data):
        target = f.get("autofill")
        if target is not None and f.get("type") == "postal_code":
            if not isinstance(target, str) or fields.get(target, {}).get("type") != "address":
                c.err(
                    f"{path}.autofill",
                    "autofill には住所（address）項目のキーを書きます",
                    "autofill names an address field",
                )


def check_logic(c: Checker, data: Mapping[str, Any]) -> None:
    logic = data.get("logic", [])
    if not isinstance(logic, list):
        c.err("logic", "logic はリストで書きます", "logic must be a list")
        return
    if len(logic) > MAX_LOGIC:
        c.err(
            "logic", f"条件は{MAX_LOGIC}個までです（{len(logic)}個）", f"at most {MAX_LOGIC} rules"
        )
        return
    top = {f["key"]: f for _, f, _ in top_fields(data)}
    raw_steps = data.get("steps")
    steps = {
        s["key"]
        for s in (raw_steps if isinstance(raw_steps, list) else [])
        if isinstance(s, Mapping) and isinstance(s.get("key"), str)
    }
    specs = fact_specs(list(top.values()))
    computes: dict[str, frozenset[str]] = {}
    for i, rule in enumerate(logic):
        path = f"logic[{i}]"
        if not isinstance(rule, Mapping):
            c.err(path, "条件はオブジェクト（{…}）で書きます", "a rule must be an object")
            continue
        c.unknown(rule, RULE_PROPERTIES, path)
        action, target = rule.get("action"), rule.get("target")
        if not among(action, ACTIONS):
            c.err(
                f"{path}.action",
                "action は show・require・compute のどれかです",
                "action is show, require or compute",
            )
            continue
        field = top.get(target) if isinstance(target, str) else None
        if action == "show":
            ok = field is not None or among(target, steps)
        elif action == "require":
            ok = field is not None and among(field.get("type"), VALUE_TYPES)
        else:
            ok = field is not None and among(field.get("type"), ("number", "money"))
        if not ok:
            wanted = {
                "show": ("項目またはステップ", "a field or step"),
                "require": ("入力項目", "an input field"),
                "compute": ("数または金額の項目", "a number or money field"),
            }[action]
            c.err(
                f"{path}.target",
                f"対象「{target}」は{wanted[0]}のキーではありません",
                f"target {target!r} is not {wanted[1]} of this form",
            )
        source_name = "expr" if action == "compute" else "when"
        try:
            if action == "compute":
                if among(target, computes):
                    c.err(
                        f"{path}.target",
                        f"「{target}」の計算式が2つあります",
                        f"{target!r} is computed twice",
                    )
                compiled = compile_expression(rule.get("expr"), specs, "int")
                if ok:
                    computes[target] = compiled.names
            else:
                compile_rule(rule.get(source_name), specs)
        except RuleError as exc:
            c.err(
                f"{path}.{source_name}",
                exc.message_ja + _col(exc, "ja"),
                exc.message_en + _col(exc, "en"),
            )
    _check_cycles(c, computes, logic)


def _col(exc: RuleError, lang: str) -> str:
    if exc.column is None:
        return ""
    return f"（{exc.column}文字目）" if lang == "ja" else f" (column {exc.column})"


def _check_cycles(c: Checker, computes: dict[str, frozenset[str]], logic: list[Any]) -> None:
    """A compute that (through others) reads its own target can never settle."""
    for start in computes:
        stack, visited = [start], set()
        while stack:
            node = stack.pop()
            for name in computes.get(node, ()):
                if name == start:
                    index = next(
                        i
                        for i, r in enumerate(logic)
                        if isinstance(r, Mapping)
                        and r.get("action") == "compute"
                        and r.get("target") == start
                    )
                    c.err(
                        f"logic[{index}].expr",
                        f"「{start}」の計算式が自分自身を参照しています（循環）",
                        f"the expression for {start!r} depends on itself",
                    )
                    stack = []
                    break
                if name not in visited:
                    visited.add(name)
                    stack.append(name)
