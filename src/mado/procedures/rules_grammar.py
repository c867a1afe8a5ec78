"""The vocabulary of the rule language: limits, fact types, errors, operators and functions.

Why a module of its own: these tables *are* the language a municipality's
staff write rules in (which fact types exist, which Python syntax is refused
and how it is named in the message, which functions are allowed and their
signatures). Keeping them apart from the compiler (:mod:`rules_parser`) lets a
reviewer read the whole language on one screen, and keeps the compiler under
the module size the project aims for.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Literal

from mado.procedures import rules_eval as rt

MAX_LENGTH = 500
MAX_DEPTH = 20
MAX_LIST = 50
MAX_INT = 10**6

FactType = Literal["bool", "int", "int_list", "choice", "str", "str_list"]
# How each fact type looks inside a rule: a choice is just a string with a closed set.
# A str_list (a form's multiple choice) may carry choices too: its elements' closed set.
_RULE_TYPE = {
    "bool": "bool",
    "int": "int",
    "int_list": "int_list",
    "choice": "str",
    "str": "str",
    "str_list": "str_list",
}
_TYPE_JA = {
    "bool": "真偽（はい/いいえ）",
    "int": "数",
    "str": "文字列",
    "int_list": "数のリスト",
    "str_list": "文字列のリスト",
}
_READERS = {"bool": rt.read_bool, "int": rt.read_int, "int_list": rt.read_int_list}


class RuleError(ValueError):
    """A rule that cannot be accepted. ``str()`` includes the position."""

    def __init__(self, ja: str, en: str, column: int | None = None, line: int | None = None):
        self.message_ja = ja
        self.message_en = en
        self.message = f"{ja} / {en}"
        self.column = column
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        if self.line and self.line > 1:
            pos_ja = f"{self.line}行{self.column}文字目"
            pos_en = f"line {self.line}, column {self.column}"
        else:
            pos_ja, pos_en = f"{self.column}文字目", f"column {self.column}"
        return f"{self.message_ja}（{pos_ja}） / {self.message_en} ({pos_en})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (RuleError, (self.message_ja, self.message_en, self.column, self.line))


@dataclass(frozen=True)
class FactSpec:
    """A fact a rule may name. ``choices`` (if any) closes the set of string values."""

    key: str
    type: FactType
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:  # a programming error, not a user one: plain ValueError
        if self.type not in _RULE_TYPE:
            raise ValueError(f"unknown fact type {self.type!r} for {self.key!r}")


_FORBIDDEN: dict[type, tuple[str, str]] = {
    ast.Attribute: ("属性の参照（.）", "attribute access (.)"),
    ast.Subscript: ("添字（[…]）", "subscript ([…])"),
    ast.Slice: ("スライス", "slice"),
    ast.Lambda: ("lambda", "lambda"),
    ast.IfExp: ("条件式（… if … else …）", "conditional expression (… if … else …)"),
    ast.ListComp: ("内包表記", "comprehension"),
    ast.SetComp: ("内包表記", "comprehension"),
    ast.DictComp: ("内包表記", "comprehension"),
    ast.GeneratorExp: ("内包表記", "comprehension"),
    ast.JoinedStr: ("f文字列", "f-string"),
    ast.FormattedValue: ("f文字列", "f-string"),
    ast.NamedExpr: ("代入式（:=）", "assignment expression (:=)"),
    ast.Starred: ("展開（*）", "unpacking (*)"),
    ast.Await: ("await", "await"),
    ast.Yield: ("yield", "yield"),
    ast.YieldFrom: ("yield", "yield"),
    ast.Dict: ("辞書（{…: …}）", "dict ({…: …})"),
    ast.Set: ("集合（{…}）", "set ({…})"),
    ast.Tuple: ("タプル（リストは [ ] で書きます）", "tuple (write lists with [ ])"),
}
_BINOP_SYMBOL = {
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.MatMult: "@",
}
_CMP_SYMBOL = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_LISTS = frozenset({"int_list", "str_list"})
_INT_LIST = frozenset({"int_list"})
_INT = frozenset({"int"})
# name -> (parameter types, result type, closure factory, signature for messages)
_FUNCTIONS: dict[str, tuple[tuple[frozenset[str], ...], str, Any, str]] = {
    "any_between": (
        (_INT_LIST, _INT, _INT),
        "bool",
        rt.fn_any_between,
        "any_between(list, lo, hi)",
    ),
    "count_between": (
        (_INT_LIST, _INT, _INT),
        "int",
        rt.fn_count_between,
        "count_between(list, lo, hi)",
    ),
    "len": ((_LISTS,), "int", rt.fn_len, "len(list)"),
    "min": ((_INT_LIST,), "int", rt.fn_min, "min(list)"),
    "max": ((_INT_LIST,), "int", rt.fn_max, "max(list)"),
}
FUNCTION_NAMES = frozenset(_FUNCTIONS)
