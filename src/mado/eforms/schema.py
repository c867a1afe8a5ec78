"""Checks a form definition (JSON, schema version 1) before it can be saved or published.

Why a hand-written validator rather than only JSON Schema: the mistakes staff
make in a form builder are *relational* — a logic rule naming a field that
was renamed, a condition comparing a choice with a value it does not offer,
two fields with the same key on different steps, a compute loop. Those need
the rule compiler and the whole form in view, and each problem must be shown
next to the thing to fix, so every error carries a JSON path such as
``steps[0].fields[3].choices`` and a message in Japanese and English.
``schema.json`` describes the same format for editors and other tools; this
module is the authority.

Nothing here raises on malformed input: any JSON value gives a list of errors.
"""

from __future__ import annotations

import datetime as dt
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mado.eforms.fields import (
    FIELD_TYPES,
    FILE_TYPES,
    MAX_FILE_SIZE,
    TYPES,
    check,
)
from mado.procedures.rules import FactSpec

SCHEMA_VERSION = 1
MAX_FIELDS = 400
MAX_STEPS = 20
MAX_LOGIC = 300
MAX_LABEL = 200
MAX_HELP = 2000
MAX_CHOICES = 200
IDENTITY_LEVELS = ("none", "email", "card")
ACTIONS = ("show", "require", "compute")
IDENTITY_SOURCES = frozenset(
    f"identity.{a}" for a in ("name", "name_kana", "birth_date", "sex", "address", "email")
)
REGISTRY_SOURCES = frozenset(
    f"registry.{a}"
    for a in ("name", "name_kana", "birth_date", "sex", "postal_code", "address", "address_extra")
)
GROUP_SOURCES = frozenset({"registry.household", "registry.household_others"})
MEMBER_SOURCES = frozenset(
    f"member.{a}" for a in ("name", "name_kana", "birth_date", "sex", "relationship")
)
_KEY = re.compile(r"[a-z][a-z0-9_]{0,49}")
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")
_RESERVED = frozenset({"true", "false", "len", "min", "max", "any_between", "count_between"})
_COMMON = frozenset(
    {
        "key",
        "type",
        "label",
        "label_en",
        "help",
        "help_en",
        "required",
        "prefill",
        "default",
        "placeholder",
        "placeholder_en",
    }
)
_EXTRA: dict[str, frozenset[str]] = {
    "text": frozenset({"max_length", "multiline"}),
    "kana": frozenset({"max_length"}),
    "name": frozenset(),
    "date": frozenset({"min", "max"}),
    "postal_code": frozenset({"autofill"}),
    "address": frozenset({"max_length"}),
    "phone": frozenset(),
    "email": frozenset({"max_length"}),
    "number": frozenset({"min", "max", "unit", "unit_en"}),
    "money": frozenset({"min", "max"}),
    "choice": frozenset({"choices", "widget"}),
    "multichoice": frozenset({"choices", "min", "max"}),
    "checkbox": frozenset(),
    "file": frozenset({"accept", "max_size"}),
    "group": frozenset({"fields", "min", "max"}),
}
_SECTION = frozenset({"key", "type", "label", "label_en", "help", "help_en"})
_TOP = frozenset(
    {
        "schema",
        "code",
        "title",
        "title_en",
        "procedure",
        "description",
        "description_en",
        "identity",
        "steps",
        "logic",
    }
)
_STEP = frozenset({"key", "title", "title_en", "description", "description_en", "fields"})
RULE_PROPERTIES = frozenset({"action", "target", "when", "expr", "note"})


@dataclass(frozen=True)
class SchemaError:
    """One problem: where (a JSON path) and what (Japanese / English)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.message}"


def fact_specs(fields: list[Mapping[str, Any]]) -> dict[str, FactSpec]:
    """The rule facts a form offers: one per top-level field whose type has a fact type."""
    specs: dict[str, FactSpec] = {}
    for f in fields:
        kind = TYPES.get(str(f.get("type")))
        if kind is None or kind.fact_type is None:
            continue
        choices: tuple[str, ...] = ()
        if kind.fact_type in ("choice", "str_list"):
            choices = tuple(
                str(c["value"])
                for c in f.get("choices") or ()
                if isinstance(c, Mapping) and "value" in c
            )
        specs[f["key"]] = FactSpec(f["key"], kind.fact_type, choices)  # type: ignore[arg-type]
    return specs


class Checker:
    def __init__(self) -> None:
        self.errors: list[SchemaError] = []
        self.count = 0

    def err(self, path: str, ja: str, en: str) -> None:
        self.errors.append(SchemaError(path, f"{ja} / {en}"))

    # --- small checks ---------------------------------------------------
    def text(
        self,
        obj: Mapping[str, Any],
        name: str,
        path: str,
        *,
        required: bool = False,
        limit: int = MAX_LABEL,
    ) -> None:
        value = obj.get(name)
        here = f"{path}.{name}" if path else name
        if value is None or value == "":
            if required:
                self.err(here, "入力してください", "required")
            return
        if not isinstance(value, str):
            self.err(here, "文字列で書きます", "must be a string")
        elif len(value) > limit:
            self.err(
                here,
                f"{limit}文字以内にしてください（{len(value)}文字）",
                f"at most {limit} characters ({len(value)})",
            )

    def unknown(self, obj: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
        for name in obj:
            if name not in allowed:
                self.err(
                    f"{path}.{name}" if path else str(name),
                    f"「{name}」という項目は使えません（使えるもの: {', '.join(sorted(allowed))}）",
                    f"unknown property {name!r}",
                )

    def key(self, obj: Mapping[str, Any], path: str, seen: dict[str, str]) -> str | None:
        key = obj.get("key")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            self.err(
                f"{path}.key",
                "キーは英小文字で始まる英小文字・数字・_ の50文字以内です（例: birth_date）",
                "a key is a-z, 0-9 and _, starting with a letter, at most 50 (e.g. birth_date)",
            )
            return None
        if keyword.iskeyword(key) or key in _RESERVED:
            self.err(
                f"{path}.key",
                f"「{key}」は予約語なのでキーに使えません",
                f"{key!r} is a reserved word",
            )
            return None
        if key in seen:
            self.err(
                f"{path}.key",
                f"キー「{key}」は {seen[key]} と重複しています",
                f"duplicate key {key!r} (also at {seen[key]})",
            )
            return None
        seen[key] = path
        return key

    def bounds(self, f: Mapping[str, Any], path: str, kind: str) -> None:
        low, high = f.get("min"), f.get("max")
        for name, value in (("min", low), ("max", high)):
            if value is None:
                continue
            if kind == "date":
                ok = isinstance(value, str) and _iso_date(value)
                if not ok:
                    self.err(f"{path}.{name}", "日付は YYYY-MM-DD で書きます", "use YYYY-MM-DD")
                    return
            elif isinstance(value, bool) or not isinstance(value, int):
                self.err(f"{path}.{name}", "整数で書きます", "must be an integer")
                return
            elif kind in ("group", "multichoice") and value < 0:
                self.err(f"{path}.{name}", "0以上にしてください", "must be 0 or more")
                return
        if low is not None and high is not None and low > high:
            self.err(
                f"{path}.min",
                f"min（{low}）が max（{high}）より大きくなっています",
                f"min ({low}) is greater than max ({high})",
            )

    def choices(self, f: Mapping[str, Any], path: str) -> None:
        choices = f.get("choices")
        here = f"{path}.choices"
        if not isinstance(choices, list) or not choices:
            self.err(here, "選択肢を1つ以上書いてください", "at least one choice is required")
            return
        if len(choices) > MAX_CHOICES:
            self.err(here, f"選択肢は{MAX_CHOICES}個までです", f"at most {MAX_CHOICES} choices")
        values: set[str] = set()
        for i, c in enumerate(choices[:MAX_CHOICES]):
            at = f"{here}[{i}]"
            if not isinstance(c, Mapping):
                self.err(
                    at,
                    '選択肢は {"value": …, "label": …} で書きます',
                    'a choice is {"value": …, "label": …}',
                )
                continue
            self.unknown(c, frozenset({"value", "label", "label_en"}), at)
            value = c.get("value")
            if not isinstance(value, str) or not value or len(value) > 100:
                self.err(
                    f"{at}.value",
                    "値は1〜100文字の文字列です",
                    "value must be a 1-100 character string",
                )
            elif value in values:
                self.err(
                    f"{at}.value", f"値「{value}」が重複しています", f"duplicate value {value!r}"
                )
            else:
                values.add(value)
            self.text(c, "label", at, required=True)
            self.text(c, "label_en", at)

    def file(self, f: Mapping[str, Any], path: str) -> None:
        accept = f.get("accept", list(FILE_TYPES))
        if not isinstance(accept, list) or not accept or not all(a in FILE_TYPES for a in accept):
            self.err(
                f"{path}.accept",
                f"受け付ける形式は {', '.join(FILE_TYPES)} から選びます",
                f"accept must list types from {', '.join(FILE_TYPES)}",
            )
        size = f.get("max_size", MAX_FILE_SIZE)
        if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= MAX_FILE_SIZE:
            self.err(
                f"{path}.max_size",
                "最大サイズは1〜10,485,760バイト（10MB）です",
                "max_size must be 1 to 10,485,760 bytes (10 MB)",
            )

    # --- fields -----------------------------------------------------------
    def field(self, f: object, path: str, seen: dict[str, str], *, in_group: bool) -> None:
        self.count += 1
        if not isinstance(f, Mapping):
            self.err(path, "項目はオブジェクト（{…}）で書きます", "a field must be an object")
            return
        kind = f.get("type")
        if not among(kind, FIELD_TYPES):
            self.err(
                f"{path}.type",
                f"種類「{kind}」はありません（使える種類: {', '.join(sorted(FIELD_TYPES))}）",
                f"unknown field type {kind!r}",
            )
            self.key(f, path, seen)
            return
        self.key(f, path, seen)
        allowed = _SECTION if kind == "section" else _COMMON | _EXTRA[kind]
        self.unknown(f, allowed, path)
        self.text(f, "label", path, required=kind != "section" or not f.get("help"))
        self.text(f, "label_en", path)
        self.text(f, "help", path, limit=MAX_HELP)
        self.text(f, "help_en", path, limit=MAX_HELP)
        if kind == "section":
            return
        if "required" in f and not isinstance(f["required"], bool):
            self.err(f"{path}.required", "true か false で書きます", "must be true or false")
        if kind in ("number", "money", "date", "group", "multichoice"):
            self.bounds(f, path, kind)
        if kind in ("choice", "multichoice"):
            self.choices(f, path)
        if kind == "file":
            self.file(f, path)
        if "max_length" in f and (
            isinstance(f["max_length"], bool)
            or not isinstance(f["max_length"], int)
            or not 0 < f["max_length"] <= 10000
        ):
            self.err(
                f"{path}.max_length", "1〜10000の整数です", "must be an integer from 1 to 10000"
            )
        self.prefill(f, path, kind, in_group=in_group)
        if kind == "group":
            self.group(f, path, in_group=in_group)
        elif "default" in f and f["default"] is not None:
            checked = check(f["default"], f, "")
            for messages in checked.errors.values():
                for m in messages:
                    self.err(f"{path}.default", "初期値が正しくありません: " + m, "invalid default")

    def prefill(self, f: Mapping[str, Any], path: str, kind: str, *, in_group: bool) -> None:
        source = f.get("prefill")
        if source is None:
            return
        if kind == "group":
            allowed = GROUP_SOURCES
        elif in_group:
            allowed = MEMBER_SOURCES
        else:
            allowed = IDENTITY_SOURCES | REGISTRY_SOURCES
        if not among(source, allowed):
            self.err(
                f"{path}.prefill",
                f"「{source}」から初期値は入れられません（使えるもの: {', '.join(sorted(allowed))}）",
                f"unknown prefill source {source!r}",
            )

    def group(self, f: Mapping[str, Any], path: str, *, in_group: bool) -> None:
        if in_group:
            self.err(
                f"{path}.type",
                "繰り返し項目の中に繰り返し項目は置けません",
                "a group cannot contain a group",
            )
            return
        children = f.get("fields")
        if not isinstance(children, list) or not children:
            self.err(
                f"{path}.fields",
                "繰り返し項目の中身を1つ以上書いてください",
                "a group needs at least one field",
            )
            return
        own: dict[str, str] = {}
        for j, child in enumerate(children):
            self.field(child, f"{path}.fields[{j}]", own, in_group=True)


def among(value: object, allowed: Any) -> bool:
    """``value in allowed`` for JSON values, which may be unhashable lists or dicts."""
    return isinstance(value, str) and value in allowed


def _iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def top_fields(data: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any], str]]:
    """(step key, field, path) of every well-formed top-level field, in order."""
    out = []
    steps = data.get("steps")
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, Mapping) or not isinstance(step.get("fields"), list):
            continue
        for j, f in enumerate(step["fields"]):
            if isinstance(f, Mapping) and isinstance(f.get("key"), str):
                out.append((str(step.get("key")), f, f"steps[{i}].fields[{j}]"))
    return out


INTERNAL = "定義を検査できませんでした / the definition could not be checked"


def validate_definition(data: object) -> list[SchemaError]:
    """Every problem of a definition, each with its JSON path; [] means it may be published."""
    try:
        return _validate(data)
    except Exception:  # a safety net: the fuzz tests assert it is never reached
        return [SchemaError("", INTERNAL)]


def _validate(data: object) -> list[SchemaError]:
    c = Checker()
    if not isinstance(data, Mapping):
        c.err("", "様式の定義はJSONオブジェクト（{…}）です", "a form definition is a JSON object")
        return c.errors
    c.unknown(data, _TOP, "")
    if data.get("schema") != SCHEMA_VERSION:
        c.err("schema", f"schema は {SCHEMA_VERSION} です", f"schema must be {SCHEMA_VERSION}")
    code = data.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        c.err(
            "code",
            "様式コードは英小文字・数字・-・_ の80文字以内です（例: juminhyo-yuso）",
            "code is a slug of a-z, 0-9, - and _ (e.g. juminhyo-yuso)",
        )
    c.text(data, "title", "", required=True)
    c.text(data, "title_en", "")
    c.text(data, "description", "", limit=5000)
    c.text(data, "description_en", "", limit=5000)
    procedure = data.get("procedure")
    if procedure is not None and (not isinstance(procedure, str) or not _CODE.fullmatch(procedure)):
        c.err(
            "procedure",
            "手続コードは英小文字・数字・-・_ です",
            "procedure must be a procedure code",
        )
    if not among(data.get("identity", "none"), IDENTITY_LEVELS):
        c.err(
            "identity",
            "本人確認は none・email・card のどれかです",
            "identity is none, email or card",
        )
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        c.err("steps", "ステップを1つ以上書いてください", "at least one step is required")
        steps = []
    if len(steps) > MAX_STEPS:
        c.err(
            "steps",
            f"ステップは{MAX_STEPS}個までです（{len(steps)}個）",
            f"at most {MAX_STEPS} steps ({len(steps)})",
        )
    seen: dict[str, str] = {}
    for i, step in enumerate(steps[:MAX_STEPS]):
        path = f"steps[{i}]"
        if not isinstance(step, Mapping):
            c.err(path, "ステップはオブジェクト（{…}）で書きます", "a step must be an object")
            continue
        c.unknown(step, _STEP, path)
        c.key(step, path, seen)
        c.text(step, "title", path, required=True)
        c.text(step, "title_en", path)
        fields = step.get("fields")
        if not isinstance(fields, list):
            c.err(f"{path}.fields", "項目のリストを書いてください", "fields must be a list")
            continue
        for j, f in enumerate(fields[: MAX_FIELDS + 1]):
            c.field(f, f"{path}.fields[{j}]", seen, in_group=False)
    if c.count > MAX_FIELDS:
        c.err("steps", f"項目は{MAX_FIELDS}個までです", f"at most {MAX_FIELDS} fields")
    from mado.eforms.schema_logic import check_autofill, check_logic  # they build on this module

    check_autofill(c, data)
    check_logic(c, data)
    return c.errors
