"""Applicability rules: a tiny, safe, three-valued expression language.

Why: each procedure says *when* it applies ("any_between(children_ages, 0, 17)",
"national_health_insurance and not employee_insurance"). These rules are data —
edited in the admin, imported from CSV — so they are parsed and type-checked by
our own code (``rules_parser``) and evaluated by closures (``rules_eval``); no
Python ``eval`` is ever involved. An unanswered fact is ``UNKNOWN`` and logic is
Kleene's, so the navigator can tell "applies", "does not apply" and "may apply —
ask the resident" apart.

This module is the public entry point::

    rule = compile_rule('life_event == "moving_in" and members_65_plus > 0', specs)
    rule.names                      # frozenset({'life_event', 'members_65_plus'})
    rule.evaluate({"life_event": "moving_in"})   # UNKNOWN
    validate_rule(source, specs)    # raises RuleError (bilingual, with .column)

Forms also compute values (``copies * 300``): :func:`compile_expression` checks
an expression that must give an int (or another ``result_type``) and returns a
:class:`CompiledExpression` whose ``evaluate`` gives the value or ``UNKNOWN``.

Facts are read defensively: a missing key, ``None`` or a value of the wrong
type (``"3"`` for an int) evaluates as ``UNKNOWN`` and never raises; callers
validate answers first. ``bool(UNKNOWN)`` raises TypeError — compare with
``is True`` / ``is UNKNOWN``. Compile once and reuse: evaluation is a few
microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mado.procedures.rules_eval import UNKNOWN, Truth, UnknownType
from mado.procedures.rules_parser import (
    FUNCTION_NAMES,
    MAX_DEPTH,
    MAX_INT,
    MAX_LENGTH,
    MAX_LIST,
    FactSpec,
    RuleError,
)
from mado.procedures.rules_parser import compile_expression as _compile

__all__ = [
    "FUNCTION_NAMES",
    "MAX_DEPTH",
    "MAX_INT",
    "MAX_LENGTH",
    "MAX_LIST",
    "UNKNOWN",
    "CompiledExpression",
    "CompiledRule",
    "FactSpec",
    "RuleError",
    "Truth",
    "UnknownType",
    "compile_expression",
    "compile_rule",
    "validate_rule",
]


class CompiledRule:
    """A checked rule, ready to evaluate many times. Immutable; safe to share across threads."""

    __slots__ = ("_evaluator", "_specs", "names", "source")

    source: str
    names: frozenset[str]

    def __init__(
        self, source: str, names: frozenset[str], evaluator: Any, specs: dict[str, FactSpec]
    ) -> None:
        self.source = source
        self.names = names
        self._evaluator = evaluator
        self._specs = specs

    def evaluate(self, facts: Mapping[str, object]) -> Truth:
        """True, False or UNKNOWN (some fact it needs is missing or unusable)."""
        return self._evaluator(facts)

    def __repr__(self) -> str:
        return f"CompiledRule({self.source!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompiledRule):
            return NotImplemented
        return self.source == other.source and self._specs == other._specs

    def __hash__(self) -> int:
        return hash(self.source)

    def __reduce__(self) -> tuple[Any, ...]:
        # Closures do not pickle; recompiling from the source is cheap and exact.
        return (compile_rule, (self.source, self._specs))


def compile_rule(source: str, facts: Mapping[str, FactSpec]) -> CompiledRule:
    """Parse, type-check and compile ``source``; raises RuleError with a column."""
    compiled = _compile(source, facts)
    specs = {name: facts[name] for name in sorted(compiled.names)}
    return CompiledRule(source, frozenset(compiled.names), compiled.ev, specs)


def validate_rule(source: str, facts: Mapping[str, FactSpec]) -> None:
    """Raise RuleError if ``source`` is not a valid rule over ``facts``."""
    _compile(source, facts)


class CompiledExpression:
    """A checked value expression (``copies * 300``): ``evaluate`` gives the value or UNKNOWN."""

    __slots__ = ("_evaluator", "names", "result_type", "source")

    def __init__(
        self, source: str, names: frozenset[str], evaluator: Any, result_type: str
    ) -> None:
        self.source = source
        self.names = names
        self.result_type = result_type
        self._evaluator = evaluator

    def evaluate(self, facts: Mapping[str, object]) -> object:
        """The value (an int for ``result_type="int"``) or UNKNOWN if a fact it needs is missing."""
        return self._evaluator(facts)

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r}, {self.result_type!r})"


def compile_expression(
    source: str, facts: Mapping[str, FactSpec], result_type: str = "int"
) -> CompiledExpression:
    """Parse and type-check an expression that must give ``result_type``; raises RuleError."""
    compiled = _compile(source, facts, result_type)
    return CompiledExpression(source, frozenset(compiled.names), compiled.ev, result_type)
