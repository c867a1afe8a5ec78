"""Runtime half of the applicability-rule language: three-valued evaluation.

Why a separate module: the parser (``rules_parser``) type-checks a rule once and
then wires the small closures built here together. Evaluation therefore does no
type dispatch, no AST walking and certainly no ``eval()``, so the ~100 rules of
a navigator plan cost microseconds each. Every closure takes the facts mapping
and returns a plain value or ``UNKNOWN`` — Kleene's third truth value, "the
resident has not answered yet".

Facts are read defensively: a missing key, ``None`` or a value of the wrong
runtime type (``"3"`` for an int, ``True`` for an int, a list holding a
string, a choice outside its choices) all read as ``UNKNOWN``. The caller
validates answers before evaluating; this module only guarantees that a bad
value can never raise, only make the answer less certain.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final


class UnknownType:
    """The third truth value. A singleton: test it with ``is UNKNOWN``.

    ``bool(UNKNOWN)`` raises ``TypeError`` on purpose: ``if rule.evaluate(f):``
    would otherwise silently treat "not answered yet" as "applies".
    """

    __slots__ = ()
    _instance: UnknownType | None = None

    def __new__(cls) -> UnknownType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError(
            "UNKNOWN has no truth value; compare the result with `is True` / `is UNKNOWN`"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (UnknownType, ())

    def __copy__(self) -> UnknownType:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> UnknownType:
        return self


UNKNOWN: Final = UnknownType()
Truth = bool | UnknownType
Facts = Mapping[str, object]
Evaluator = Callable[[Facts], Any]


# --- reading facts --------------------------------------------------------


def constant(value: object) -> Evaluator:
    def ev(_facts: Facts) -> object:
        return value

    return ev


def read_bool(key: str) -> Evaluator:
    def ev(facts: Facts) -> object:
        v = facts.get(key)
        return v if v is True or v is False else UNKNOWN

    return ev


def read_int(key: str) -> Evaluator:
    def ev(facts: Facts) -> object:
        v = facts.get(key)
        return v if type(v) is int else UNKNOWN

    return ev


def read_int_list(key: str) -> Evaluator:
    def ev(facts: Facts) -> object:
        v = facts.get(key)
        if type(v) in (list, tuple) and all(type(x) is int for x in v):  # type: ignore[union-attr]
            return tuple(v)  # type: ignore[arg-type]
        return UNKNOWN

    return ev


def read_str_list(key: str, choices: tuple[str, ...]) -> Evaluator:
    """A list of strings (a form's multiple choice); an element outside ``choices`` → UNKNOWN."""
    allowed = frozenset(choices)

    def ev(facts: Facts) -> object:
        v = facts.get(key)
        if type(v) in (list, tuple) and all(
            type(x) is str and (not allowed or x in allowed)
            for x in v  # type: ignore[union-attr]
        ):
            return tuple(v)  # type: ignore[arg-type]
        return UNKNOWN

    return ev


def read_str(key: str, choices: tuple[str, ...]) -> Evaluator:
    allowed = frozenset(choices)

    def ev(facts: Facts) -> object:
        v = facts.get(key)
        if type(v) is str and (not allowed or v in allowed):
            return v
        return UNKNOWN

    return ev


# --- Kleene logic ---------------------------------------------------------


def kleene_and(parts: Sequence[Evaluator]) -> Evaluator:
    """False as soon as one operand is False (later operands are not read)."""
    parts = tuple(parts)

    def ev(facts: Facts) -> object:
        unknown = False
        for part in parts:
            r = part(facts)
            if r is False:
                return False
            if r is not True:
                unknown = True
        return UNKNOWN if unknown else True

    return ev


def kleene_or(parts: Sequence[Evaluator]) -> Evaluator:
    """True as soon as one operand is True (later operands are not read)."""
    parts = tuple(parts)

    def ev(facts: Facts) -> object:
        unknown = False
        for part in parts:
            r = part(facts)
            if r is True:
                return True
            if r is not False:
                unknown = True
        return UNKNOWN if unknown else False

    return ev


def kleene_not(part: Evaluator) -> Evaluator:
    def ev(facts: Facts) -> object:
        r = part(facts)
        return UNKNOWN if r is UNKNOWN else not r

    return ev


# --- comparisons and arithmetic ------------------------------------------


def _contains(a: Any, b: Any) -> bool:
    return a in b


def _not_contains(a: Any, b: Any) -> bool:
    return a not in b


COMPARE_OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": _contains,
    "not in": _not_contains,
}


def compare_chain(
    first: Evaluator, rest: Sequence[tuple[Callable[[Any, Any], bool], Evaluator]]
) -> Evaluator:
    """``a < b <= c`` is ``(a < b) and (b <= c)`` in Kleene logic; b is read once."""
    if len(rest) == 1:
        ((op, second),) = rest

        def ev_pair(facts: Facts) -> object:
            a = first(facts)
            if a is UNKNOWN:
                return UNKNOWN
            b = second(facts)
            return UNKNOWN if b is UNKNOWN else op(a, b)

        return ev_pair
    rest = tuple(rest)

    def ev(facts: Facts) -> object:
        unknown = False
        left = first(facts)
        for op, right_ev in rest:
            right = right_ev(facts)
            if left is UNKNOWN or right is UNKNOWN:
                unknown = True
            elif not op(left, right):
                return False
            left = right
        return UNKNOWN if unknown else True

    return ev


def arith(op: Callable[[int, int], int], left: Evaluator, right: Evaluator) -> Evaluator:
    def ev(facts: Facts) -> object:
        a = left(facts)
        if a is UNKNOWN:
            return UNKNOWN
        b = right(facts)
        return UNKNOWN if b is UNKNOWN else op(a, b)

    return ev


# Products are bounded so that "a * a * a * ..." over resident input can never
# build an enormous integer; past the bound the answer is simply unknown.
MAX_PRODUCT: Final = 10**15


def bounded_mul(a: int, b: int) -> object:
    product = a * b if abs(a) < MAX_PRODUCT and abs(b) < MAX_PRODUCT else MAX_PRODUCT
    return product if abs(product) < MAX_PRODUCT else UNKNOWN


def negate(part: Evaluator) -> Evaluator:
    def ev(facts: Facts) -> object:
        r = part(facts)
        return UNKNOWN if r is UNKNOWN else -r

    return ev


# --- functions ------------------------------------------------------------


def fn_any_between(items: Evaluator, lo: Evaluator, hi: Evaluator) -> Evaluator:
    """Some element x with lo <= x <= hi. An empty list is False whatever the bounds."""

    def ev(facts: Facts) -> object:
        xs = items(facts)
        if xs is UNKNOWN:
            return UNKNOWN
        if not xs:
            return False
        a, b = lo(facts), hi(facts)
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        return any(a <= x <= b for x in xs)

    return ev


def fn_count_between(items: Evaluator, lo: Evaluator, hi: Evaluator) -> Evaluator:
    def ev(facts: Facts) -> object:
        xs = items(facts)
        if xs is UNKNOWN:
            return UNKNOWN
        if not xs:
            return 0
        a, b = lo(facts), hi(facts)
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        return sum(1 for x in xs if a <= x <= b)

    return ev


def fn_len(items: Evaluator) -> Evaluator:
    def ev(facts: Facts) -> object:
        xs = items(facts)
        return UNKNOWN if xs is UNKNOWN else len(xs)

    return ev


def _extreme(pick: Callable[[Any], int]) -> Callable[[Evaluator], Evaluator]:
    def factory(items: Evaluator) -> Evaluator:
        def ev(facts: Facts) -> object:
            xs = items(facts)
            # min/max of no children is not 0: it is simply unknown.
            return UNKNOWN if xs is UNKNOWN or not xs else pick(xs)

        return ev

    return factory


fn_min = _extreme(min)
fn_max = _extreme(max)
