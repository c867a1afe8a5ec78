"""Parse, check and compile applicability rules — without ever running Python.

Why our own compiler: rules are data written by municipal staff and imported
from CSV/JSON, so they must never reach ``eval``. ``ast.parse`` is used only as
a tokenizer/parser; the tree is then walked here against an explicit
whitelist (anything else is rejected with its column), statically typed
against the caller's fact specs (so "children_ages > 3" is refused when the rule
is saved, not when a resident hits it), and turned into closures from
``rules_eval``. Public names are re-exported by ``mado.procedures.rules``.
"""

from __future__ import annotations

import ast
import difflib
import operator
import warnings
from dataclasses import dataclass, field
from typing import Any

from mado.procedures import rules_eval as rt
from mado.procedures.rules_grammar import (  # noqa: F401 - re-exported
    _BINOP_SYMBOL,
    _CMP_SYMBOL,
    _FORBIDDEN,
    _FUNCTIONS,
    _INT,
    _INT_LIST,
    _LISTS,
    _READERS,
    _RULE_TYPE,
    _TYPE_JA,
    FUNCTION_NAMES,
    MAX_DEPTH,
    MAX_INT,
    MAX_LENGTH,
    MAX_LIST,
    FactSpec,
    FactType,
    RuleError,
)

_BOOL_NAMES = {"true": True, "false": False, "True": True, "False": False}


@dataclass(frozen=True)
class Typed:
    """A checked sub-expression: its static type, its closure and what messages call it."""

    type: str
    ev: rt.Evaluator
    node: ast.AST
    ref: str | None = None  # 「key」 for facts, the literal text for constants
    key: str | None = None
    choices: tuple[str, ...] = ()
    const: bool = False
    value: Any = None


@dataclass
class Compiled:
    type: str
    ev: rt.Evaluator
    names: set[str] = field(default_factory=set)


class _Compiler:
    def __init__(self, source: str, facts: Any) -> None:
        stripped = source.lstrip()
        lead = source[: len(source) - len(stripped)]
        self.text = stripped
        self.lines = stripped.split("\n")
        self.line_shift = lead.count("\n")
        self.col_shift = len(lead) - (lead.rfind("\n") + 1)
        self.facts = facts
        self.names: set[str] = set()

    # --- positions and errors -------------------------------------------
    def _pos(self, lineno: int | None, column: int | None) -> tuple[int | None, int | None]:
        if lineno is None or column is None:
            return None, None
        if lineno == 1:
            column += self.col_shift
        return column, lineno + self.line_shift

    def error(self, node: ast.AST | None, ja: str, en: str) -> RuleError:
        if node is None or not hasattr(node, "col_offset"):
            return RuleError(ja, en)
        line = self.lines[node.lineno - 1] if node.lineno <= len(self.lines) else ""
        chars = len(line.encode("utf-8")[: node.col_offset].decode("utf-8", "replace"))
        column, lineno = self._pos(node.lineno, chars + 1)
        return RuleError(ja, en, column, lineno)

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or "?"

    # --- entry ----------------------------------------------------------
    def parse(self) -> ast.Expression:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            msg = exc.msg or "invalid syntax"
            if "never closed" in msg or "unmatched" in msg or "does not match" in msg:
                ja = "括弧の対応が取れていません"
            elif "unterminated" in msg or "EOF" in msg:
                ja = "引用符や括弧が閉じられていません"
            else:
                ja = "式の書き方が正しくありません"
            column, lineno = self._pos(exc.lineno, exc.offset)
            raise RuleError(ja, f"syntax error: {msg}", column, lineno) from None
        except (ValueError, RecursionError, MemoryError):  # e.g. NUL bytes
            raise RuleError(
                "式に使えない文字が含まれています",
                "the rule contains characters that cannot be parsed",
            ) from None

    def compile(self, result_type: str = "bool") -> Compiled:
        tree = self.parse()
        top = self.expr(tree.body, 1)
        if top.type != result_type:
            if result_type == "bool":
                ja_what, en_what = "条件式の結果", "a rule must be a boolean expression"
            else:
                ja_what, en_what = "計算式の結果", f"an expression must give {result_type}"
            raise self.error(
                tree.body,
                f"{ja_what}は{_TYPE_JA[result_type]}である必要があります"
                f"（この式は{_TYPE_JA[top.type]}です）",
                f"{en_what}, not {top.type}",
            )
        return Compiled(top.type, top.ev, self.names)

    # --- the walker -----------------------------------------------------
    def expr(self, node: ast.AST, depth: int) -> Typed:
        if depth > MAX_DEPTH:
            raise self.error(
                node,
                f"式の入れ子が深すぎます（最大{MAX_DEPTH}段）",
                f"the rule is nested too deeply (max {MAX_DEPTH})",
            )
        handler = getattr(self, "_" + type(node).__name__, None)
        if handler is None:
            ja, en = _FORBIDDEN.get(
                type(node),
                (f"この書き方（{type(node).__name__}）", f"construct {type(node).__name__}"),
            )
            raise self.error(node, f"{ja}は使えません", f"{en} is not allowed")
        return handler(node, depth)

    def expect(self, t: Typed, types: frozenset[str] | str, ja_what: str, en_what: str) -> None:
        if t.type not in (types if isinstance(types, frozenset) else {types}):
            wanted = types if isinstance(types, str) else "/".join(sorted(types))
            what = t.ref or "この式"
            raise self.error(
                t.node,
                f"{ja_what}は{_TYPE_JA.get(wanted, 'リスト')}である必要があります"
                f"（{what}は{_TYPE_JA[t.type]}です）",
                f"{en_what} must be {wanted}, got {t.type}",
            )

    def _Constant(self, node: ast.Constant, depth: int) -> Typed:
        v = node.value
        ref = self.segment(node)
        if isinstance(v, bool):
            return Typed("bool", rt.constant(v), node, ref, const=True, value=v)
        if isinstance(v, int):
            if abs(v) > MAX_INT:
                raise self.error(
                    node,
                    f"数が大きすぎます（±{MAX_INT:,}まで）",
                    f"integer literal out of range (±{MAX_INT:,})",
                )
            return Typed("int", rt.constant(v), node, ref, const=True, value=v)
        if isinstance(v, str):
            return Typed("str", rt.constant(v), node, ref, const=True, value=v)
        ja, en = {
            float: ("小数", "float literal"),
            complex: ("複素数", "complex literal"),
            bytes: ("バイト列", "bytes literal"),
            type(None): ("None", "None"),
        }.get(type(v), ("この定数", "this constant"))
        raise self.error(
            node,
            f"{ja}は使えません（整数・文字列・true/false だけです）",
            f"{en} is not allowed (only integers, strings, true/false)",
        )

    def _Name(self, node: ast.Name, depth: int) -> Typed:
        ident = node.id
        if ident in _BOOL_NAMES:
            value = _BOOL_NAMES[ident]
            return Typed("bool", rt.constant(value), node, ident, const=True, value=value)
        if ident.startswith("_"):
            raise self.error(
                node,
                f"「{ident}」のような _ で始まる名前は使えません",
                f"names starting with _ are not allowed: {ident!r}",
            )
        spec = self.facts.get(ident)
        if spec is None:
            if ident in _FUNCTIONS:
                call = _FUNCTIONS[ident][3]
                raise self.error(
                    node,
                    f"{ident} は関数です。{call} のように呼び出します",
                    f"{ident} is a function: call it as {call}",
                )
            close = difflib.get_close_matches(ident, list(self.facts), n=1)
            hint_ja = f"（「{close[0]}」のことですか）" if close else ""
            hint_en = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.error(
                node,
                f"「{ident}」という項目はありません{hint_ja}",
                f"unknown name {ident!r}{hint_en}",
            )
        self.names.add(ident)
        rtype = _RULE_TYPE[spec.type]
        if rtype == "str":
            reader = rt.read_str(ident, spec.choices)
        elif rtype == "str_list":
            reader = rt.read_str_list(ident, spec.choices)
        else:
            reader = _READERS[rtype](ident)
        return Typed(rtype, reader, node, f"「{ident}」", key=ident, choices=tuple(spec.choices))

    def _List(self, node: ast.List, depth: int) -> Typed:
        if not node.elts:
            raise self.error(node, "空のリストは書けません", "an empty list literal is not allowed")
        if len(node.elts) > MAX_LIST:
            raise self.error(
                node,
                f"リストの要素が多すぎます（最大{MAX_LIST}個）",
                f"list literal too long (max {MAX_LIST} elements)",
            )
        items = [self.expr(e, depth + 1) for e in node.elts]
        for item in items:
            if not item.const or item.type not in ("int", "str"):
                raise self.error(
                    item.node,
                    "リストに書けるのは数か文字列の定数だけです",
                    "list elements must be integer or string constants",
                )
            if item.type != items[0].type:
                raise self.error(
                    item.node,
                    "リストの中に数と文字列を混ぜられません",
                    "a list cannot mix integers and strings",
                )
        value = tuple(i.value for i in items)
        return Typed(
            items[0].type + "_list",
            rt.constant(value),
            node,
            self.segment(node),
            const=True,
            value=value,
        )

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> Typed:
        if isinstance(node.op, ast.Not):
            operand = self.expr(node.operand, depth + 1)
            self.expect(operand, "bool", "not の対象", "operand of 'not'")
            return Typed("bool", rt.kleene_not(operand.ev), node)
        if isinstance(node.op, ast.USub):
            operand = self.expr(node.operand, depth + 1)
            self.expect(operand, "int", "マイナス（-）の対象", "operand of unary '-'")
            if operand.const:
                value = -operand.value
                return Typed(
                    "int", rt.constant(value), node, self.segment(node), const=True, value=value
                )
            return Typed("int", rt.negate(operand.ev), node)
        symbol = "+" if isinstance(node.op, ast.UAdd) else "~"
        raise self.error(
            node, f"単項演算子「{symbol}」は使えません", f"unary operator {symbol!r} is not allowed"
        )

    def _BinOp(self, node: ast.BinOp, depth: int) -> Typed:
        if not isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
            symbol = _BINOP_SYMBOL.get(type(node.op), "?")
            raise self.error(
                node,
                f"演算子「{symbol}」は使えません（使えるのは + と - と * だけです）",
                f"operator {symbol!r} is not allowed (only +, - and *)",
            )
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}[type(node.op)]
        left = self.expr(node.left, depth + 1)
        if symbol == "*" and left.type != "int":
            # Refused before the right side is read: "'a' * 10**9" names '*', not '**'.
            raise self.error(
                node,
                f"演算子「*」は数どうしの掛け算だけに使えます（{left.ref or 'この式'}は"
                f"{_TYPE_JA[left.type]}です）",
                f"operator '*' multiplies integers only, got {left.type}",
            )
        right = self.expr(node.right, depth + 1)
        for side in (left, right):
            self.expect(side, "int", f"「{symbol}」の両側", f"both sides of {symbol!r}")
        op = {"+": operator.add, "-": operator.sub, "*": rt.bounded_mul}[symbol]
        return Typed("int", rt.arith(op, left.ev, right.ev), node)

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> Typed:
        word = "and" if isinstance(node.op, ast.And) else "or"
        parts = [self.expr(v, depth + 1) for v in node.values]
        for part in parts:
            self.expect(part, "bool", f"{word} の両側", f"each operand of {word!r}")
        evs = [p.ev for p in parts]
        return Typed("bool", rt.kleene_and(evs) if word == "and" else rt.kleene_or(evs), node)

    def _Compare(self, node: ast.Compare, depth: int) -> Typed:
        operands = [self.expr(node.left, depth + 1)]
        operands += [self.expr(c, depth + 1) for c in node.comparators]
        chain = []
        for i, op_node in enumerate(node.ops):
            symbol = _CMP_SYMBOL.get(type(op_node), "?")
            left, right = operands[i], operands[i + 1]
            self.check_compare(symbol, left, right)
            chain.append((rt.COMPARE_OPS[symbol], right.ev))
        return Typed("bool", rt.compare_chain(operands[0].ev, chain), node)

    def check_compare(self, symbol: str, a: Typed, b: Typed) -> None:
        if symbol in ("is", "is not"):
            better = "==" if symbol == "is" else "!="
            raise self.error(
                a.node,
                f"「{symbol}」は使えません。「{better}」を使ってください",
                f"{symbol!r} is not allowed; use {better!r}",
            )
        if symbol in ("in", "not in"):
            if b.type not in _LISTS:
                raise self.error(
                    b.node,
                    f"「{symbol}」の右側はリストである必要があります"
                    f"（{b.ref or 'この式'}は{_TYPE_JA[b.type]}です）",
                    f"the right side of {symbol!r} must be a list, got {b.type}",
                )
            if a.type + "_list" != b.type:
                raise self.error(
                    a.node,
                    f"{a.ref or 'この式'}（{_TYPE_JA[a.type]}）は"
                    f"{_TYPE_JA[b.type]}の中から探せません",
                    f"cannot look for {a.type} in {b.type}",
                )
            if a.choices and b.const:
                for v in b.value:
                    self.check_choice(a, v, b.node)
            if b.choices and a.const:  # "lunch" in services (a multiple choice)
                self.check_choice(b, a.value, a.node)
            return
        if a.type != b.type:
            first, other = (b, a) if (b.key and not a.key) else (a, b)
            if first.ref:
                other_text = other.ref or f"{_TYPE_JA[other.type]}の式"
                ja = f"{first.ref}は{_TYPE_JA[first.type]}なので {other_text} と比べられません"
            else:
                ja = f"{_TYPE_JA[a.type]}と{_TYPE_JA[b.type]}は比べられません"
            raise self.error(a.node, ja, f"cannot compare {a.type} with {b.type}")
        if symbol not in ("==", "!=") and a.type != "int":
            raise self.error(
                a.node,
                f"大小（{symbol}）を比べられるのは数だけです"
                f"（{a.ref or 'この式'}は{_TYPE_JA[a.type]}です）",
                f"only integers can be ordered with {symbol!r}, not {a.type}",
            )
        for x, y in ((a, b), (b, a)):
            if x.choices and y.const and y.type == "str":
                self.check_choice(x, y.value, y.node)

    def check_choice(self, fact: Typed, value: str, node: ast.AST) -> None:
        if value not in fact.choices:
            listed = ", ".join(fact.choices)
            raise self.error(
                node,
                f'{fact.ref}の選択肢に "{value}" はありません（選択肢: {listed}）',
                f"{value!r} is not a choice of {fact.key!r} ({listed})",
            )

    def _Call(self, node: ast.Call, depth: int) -> Typed:
        if not isinstance(node.func, ast.Name):
            raise self.error(
                node,
                "関数は any_between(…) のように名前で直接呼び出します"
                "（メソッド呼び出しなどは使えません）",
                "only the listed functions may be called, by bare name",
            )
        name = node.func.id
        if name not in _FUNCTIONS:
            if name.startswith("_"):
                raise self.error(
                    node,
                    f"「{name}」のような _ で始まる名前は使えません",
                    f"names starting with _ are not allowed: {name!r}",
                )
            known = ", ".join(sorted(_FUNCTIONS))
            raise self.error(
                node,
                f"「{name}」という関数はありません（使える関数: {known}）",
                f"unknown function {name!r} (allowed: {known})",
            )
        params, result, factory, signature = _FUNCTIONS[name]
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error(
                node,
                f"{name} の引数は順番に並べて書きます（名前付き引数や * は使えません）",
                f"{name} takes positional arguments only: {signature}",
            )
        if len(node.args) != len(params):
            raise self.error(
                node,
                f"{name} の引数は{len(params)}個です（{signature}）",
                f"{name} takes {len(params)} argument(s): {signature}, got {len(node.args)}",
            )
        args = [self.expr(a, depth + 1) for a in node.args]
        for i, (arg, wanted) in enumerate(zip(args, params, strict=True), start=1):
            self.expect(arg, wanted, f"{name} の{i}番目の引数", f"argument {i} of {name}")
        return Typed(result, factory(*(a.ev for a in args)), node)


def compile_expression(source: object, facts: Any, result_type: str = "bool") -> Compiled:
    """Check ``source`` against ``facts`` (key -> FactSpec) and build its evaluator.

    ``result_type`` is what the whole expression must give: "bool" for rules,
    "int" for a form's compute expressions (``copies * 300``).
    """
    if not isinstance(source, str):
        raise RuleError("条件式は文字列で書きます", "a rule must be a string")
    if len(source) > MAX_LENGTH:
        raise RuleError(
            f"条件式が長すぎます（{len(source)}文字、最大{MAX_LENGTH}文字）",
            f"the rule is too long ({len(source)} characters, max {MAX_LENGTH})",
        )
    if not source.strip():
        raise RuleError("条件式が空です", "the rule is empty")
    return _Compiler(source, facts).compile(result_type)
