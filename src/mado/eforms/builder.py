"""Edits of a form definition for the staff form builder, as pure functions on dicts.

Why pure functions: every button of the builder (add a field, move it, add a
rule…) is one small change to the JSON definition. Keeping each change a
function ``definition -> new definition`` (never mutating its argument) makes
the builder easy to test without HTTP, lets the views validate the *result*
with :func:`mado.eforms.schema.validate_definition` before anything is saved
(:func:`problems` does that), and makes undo trivial (the old dict is intact).

Fields are addressed by a string: ``"key"`` for a field of a step, and
``"group.child"`` for a field inside a repeating group (children have their
own key namespace). Refusals that the schema would not catch — deleting a
field a rule still reads, removing the last field of a group — raise
:class:`BuilderError` with a bilingual message.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from mado.core.text import katakana_to_romaji, normalize_width, to_katakana
from mado.eforms.schema import SchemaError, validate_definition

FIELD_TYPE_CHOICES: list[tuple[str, str]] = [
    ("text", "文字 / Text"),
    ("kana", "フリガナ / Katakana"),
    ("name", "氏名 / Name"),
    ("date", "日付 / Date"),
    ("postal_code", "郵便番号 / Postal code"),
    ("address", "住所 / Address"),
    ("phone", "電話番号 / Phone"),
    ("email", "メールアドレス / E-mail"),
    ("number", "数 / Number"),
    ("money", "金額 / Money"),
    ("choice", "選択（1つ） / Single choice"),
    ("multichoice", "選択（複数） / Multiple choice"),
    ("checkbox", "チェックボックス / Checkbox"),
    ("file", "ファイル / File"),
    ("group", "繰り返し項目 / Repeating group"),
    ("section", "見出し / Section heading"),
]
TYPE_LABELS = dict(FIELD_TYPE_CHOICES)
ACTION_CHOICES: list[tuple[str, str]] = [
    ("show", "表示する / show"),
    ("require", "必須にする / require"),
    ("compute", "計算する / compute"),
]
_NAME = re.compile(r"\b[a-z][a-z0-9_]*\b")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^'\\]|\\.)*'")
_KEY_CHARS = re.compile(r"[^a-z0-9]+")


class BuilderError(ValueError):
    """A change the builder refuses; ``str()`` is the bilingual message."""


def _err(ja: str, en: str) -> BuilderError:
    return BuilderError(f"{ja} / {en}")


def empty_definition(
    code: str,
    title: str,
    *,
    title_en: str = "",
    procedure: str | None = None,
    identity: str = "none",
) -> dict[str, Any]:
    """A new form: one empty step."""
    data: dict[str, Any] = {
        "schema": 1,
        "code": code,
        "title": title,
        "identity": identity,
        "steps": [{"key": "step1", "title": "ステップ1", "title_en": "Step 1", "fields": []}],
        "logic": [],
    }
    if title_en:
        data["title_en"] = title_en
    if procedure:
        data["procedure"] = procedure
    return data


def problems(definition: Mapping[str, Any], prefix: str = "") -> list[SchemaError]:
    """Schema errors of ``definition`` (only those whose path starts with ``prefix``)."""
    return [e for e in validate_definition(definition) if e.path.startswith(prefix)]


# --- keys ---------------------------------------------------------------------


def slug_key(label: str, fallback: str = "field") -> str:
    """A field key from a label: kana becomes romaji, latin letters are kept, else ``fallback``."""
    text = katakana_to_romaji(to_katakana(normalize_width(label or ""))).lower()
    key = _KEY_CHARS.sub("_", text).strip("_")[:40].strip("_")
    if not key or not key[0].isalpha() or not key.isascii():
        key = fallback
    return key


def unique_key(base: str, taken: Iterable[str]) -> str:
    """``base`` or ``base_2``, ``base_3``… — the first one not in ``taken``."""
    used = set(taken)
    from mado.eforms.schema import _RESERVED  # reserved words of the rule language

    if base not in used and base not in _RESERVED:
        return base
    n = 2
    while f"{base}_{n}" in used:
        n += 1
    return f"{base}_{n}"


def form_keys(definition: Mapping[str, Any]) -> set[str]:
    """Keys of the shared namespace: steps and top-level fields."""
    keys = set()
    for step in definition.get("steps", []):
        keys.add(step.get("key"))
        keys.update(f.get("key") for f in step.get("fields", []))
    return {k for k in keys if isinstance(k, str)}


# --- locating fields ------------------------------------------------------------


def _locate(data: dict[str, Any], address: str) -> tuple[list[dict[str, Any]], int]:
    """(the list holding the field, its index) for ``"key"`` or ``"group.child"``."""
    top, _, child = address.partition(".")
    for step in data.get("steps", []):
        for i, f in enumerate(step.get("fields", [])):
            if f.get("key") != top:
                continue
            if not child:
                return step["fields"], i
            if f.get("type") == "group":
                for j, c in enumerate(f.get("fields", [])):
                    if c.get("key") == child:
                        return f["fields"], j
    raise _err(f"項目「{address}」はありません", f"no field {address!r}")


def get_field(definition: Mapping[str, Any], address: str) -> dict[str, Any]:
    """A copy of the field at ``address`` (BuilderError when absent)."""
    holder, i = _locate(copy.deepcopy(dict(definition)), address)
    return holder[i]


def step_of(definition: Mapping[str, Any], key: str) -> int:
    """Index of the step holding top-level field ``key`` (-1 when none)."""
    for n, step in enumerate(definition.get("steps", [])):
        if any(f.get("key") == key for f in step.get("fields", [])):
            return n
    return -1


def references(definition: Mapping[str, Any], key: str) -> list[int]:
    """Indexes of logic rules that name ``key`` (as target or inside an expression)."""
    found = []
    for i, rule in enumerate(definition.get("logic", [])):
        source = " ".join(str(rule.get(k) or "") for k in ("when", "expr"))
        names = set(_NAME.findall(_STRING.sub(" ", source)))
        if rule.get("target") == key or key in names:
            found.append(i)
    return found


# --- edits ----------------------------------------------------------------------


def add_step(
    definition: Mapping[str, Any], title: str, *, title_en: str = "", key: str = ""
) -> dict[str, Any]:
    """A new empty step at the end; the key comes from the title when not given."""
    data = copy.deepcopy(dict(definition))
    steps = data.setdefault("steps", [])
    base = key or slug_key(title, f"step{len(steps) + 1}")
    step: dict[str, Any] = {"key": unique_key(base, form_keys(data)), "title": title, "fields": []}
    if title_en:
        step["title_en"] = title_en
    steps.append(step)
    return data


def _new_field(kind: str, label: str, key: str) -> dict[str, Any]:
    f: dict[str, Any] = {"key": key, "type": kind, "label": label}
    if kind in ("choice", "multichoice"):
        f["choices"] = [{"value": "yes", "label": "はい"}, {"value": "no", "label": "いいえ"}]
    if kind == "group":
        f["fields"] = [{"key": "item", "type": "text", "label": "内容"}]
    return f


def add_field(
    definition: Mapping[str, Any],
    step: int,
    kind: str,
    label: str,
    *,
    key: str = "",
    group: str = "",
) -> dict[str, Any]:
    """A new field at the end of step ``step`` (or of repeating group ``group``).

    The key is ``key`` if given, else made from the label (romaji or a slug of
    the type), then made unique in its namespace. A new choice gets two
    placeholder choices and a new group one text field, so that the draft stays
    valid; both are edited afterwards.
    """
    if kind not in TYPE_LABELS:
        raise _err(f"種類「{kind}」はありません", f"unknown field type {kind!r}")
    data = copy.deepcopy(dict(definition))
    if group:
        holder, i = _locate(data, group)
        parent = holder[i]
        if parent.get("type") != "group" or "." in group:
            raise _err(f"「{group}」は繰り返し項目ではありません", f"{group!r} is not a group")
        if kind == "group":
            raise _err(
                "繰り返し項目の中に繰り返し項目は置けません", "a group cannot contain a group"
            )
        fields = parent.setdefault("fields", [])
        taken = {c.get("key") for c in fields}
    else:
        steps = data.get("steps", [])
        if not 0 <= step < len(steps):
            raise _err("そのステップはありません", "no such step")
        fields = steps[step].setdefault("fields", [])
        taken = form_keys(data)
    base = key.strip() if key and key.strip() else slug_key(label, kind)
    final = unique_key(base, taken) if not key else base
    if key and final in taken:
        raise _err(f"キー「{final}」は既に使われています", f"key {final!r} is already in use")
    fields.append(_new_field(kind, label, final))
    return data


EDITABLE = frozenset(
    {
        "key",
        "label",
        "label_en",
        "help",
        "help_en",
        "required",
        "prefill",
        "choices",
        "min",
        "max",
        "accept",
        "max_size",
        "multiline",
        "max_length",
        "widget",
        "autofill",
        "unit",
    }
)


def update_field(
    definition: Mapping[str, Any], address: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Set (or, with value None/""/[], remove) properties of a field.

    Renaming a key that a rule reads is refused (the rule would break
    silently); rename after removing the rule.
    """
    data = copy.deepcopy(dict(definition))
    holder, i = _locate(data, address)
    f = holder[i]
    for name, value in changes.items():
        if name not in EDITABLE:
            raise _err(f"「{name}」は変更できません", f"{name!r} cannot be edited")
        if name == "key" and value != f.get("key"):
            _check_rename(data, address, holder, str(value))
        if value is None or value == "" or value == [] or (value is False and name != "required"):
            f.pop(name, None)
        else:
            f[name] = value
    if f.get("required") is False:
        f.pop("required")
    return data


def _check_rename(data: dict[str, Any], address: str, holder: list[Any], new: str) -> None:
    old = address.rpartition(".")[2]
    taken = {c.get("key") for c in holder} if "." in address else form_keys(data)
    if new in taken:
        raise _err(f"キー「{new}」は既に使われています", f"key {new!r} is already in use")
    if "." not in address and references(data, old):
        raise _err(
            f"キー「{old}」は条件で使われているため変更できません（先に条件を削除してください）",
            f"key {old!r} is used by a rule; remove the rule first",
        )


def move_field(definition: Mapping[str, Any], address: str, direction: str) -> dict[str, Any]:
    """Move a field one place ``"up"`` or ``"down"`` within its list (no-op at the ends)."""
    if direction not in ("up", "down"):
        raise _err("上か下を指定してください", "direction must be up or down")
    data = copy.deepcopy(dict(definition))
    holder, i = _locate(data, address)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(holder):
        holder[i], holder[j] = holder[j], holder[i]
    return data


def remove_field(definition: Mapping[str, Any], address: str) -> dict[str, Any]:
    """Remove a field; refused while a rule reads it or when it is a group's last field."""
    data = copy.deepcopy(dict(definition))
    holder, i = _locate(data, address)
    key = holder[i].get("key")
    if "." in address:
        if len(holder) == 1:
            raise _err(
                "繰り返し項目の最後の項目は削除できません（繰り返し項目ごと削除します）",
                "the last field of a group cannot be removed (remove the group)",
            )
    else:
        used = references(data, str(key))
        autofill = [
            f.get("key")
            for s in data.get("steps", [])
            for f in s.get("fields", [])
            if f.get("autofill") == key
        ]
        if used:
            numbers = "、".join(str(n + 1) for n in used)
            raise _err(
                f"項目「{key}」は条件 {numbers} で使われているため削除できません（先に条件を削除してください）",
                f"field {key!r} is used by rule(s) {numbers}; remove them first",
            )
        if autofill:
            raise _err(
                f"項目「{key}」は「{autofill[0]}」の住所の自動入力先です",
                f"field {key!r} is the autofill target of {autofill[0]!r}",
            )
    del holder[i]
    return data


def add_logic(
    definition: Mapping[str, Any], action: str, target: str, expression: str
) -> dict[str, Any]:
    """A new rule at the end: ``when`` for show/require, ``expr`` for compute."""
    data = copy.deepcopy(dict(definition))
    rule = {
        "action": action,
        "target": target,
        ("expr" if action == "compute" else "when"): expression,
    }
    data.setdefault("logic", []).append(rule)
    return data


def remove_logic(definition: Mapping[str, Any], index: int) -> dict[str, Any]:
    data = copy.deepcopy(dict(definition))
    logic = data.get("logic", [])
    if not 0 <= index < len(logic):
        raise _err("その条件はありません", "no such rule")
    del logic[index]
    return data


def remove_step(definition: Mapping[str, Any], index: int) -> dict[str, Any]:
    """Remove an empty step (never the only one; a rule showing it must go first)."""
    data = copy.deepcopy(dict(definition))
    steps = data.get("steps", [])
    if not 0 <= index < len(steps):
        raise _err("そのステップはありません", "no such step")
    if len(steps) == 1:
        raise _err("最後のステップは削除できません", "the only step cannot be removed")
    if steps[index].get("fields"):
        raise _err(
            "項目のあるステップは削除できません（先に項目を削除します）",
            "a step with fields cannot be removed (remove its fields first)",
        )
    if references(data, str(steps[index].get("key"))):
        raise _err("このステップは条件で使われています", "a rule refers to this step")
    del steps[index]
    return data


def update_settings(definition: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Title, title_en, description, procedure, identity (empty values remove optional ones)."""
    data = copy.deepcopy(dict(definition))
    for name in ("title", "title_en", "description", "description_en", "procedure", "identity"):
        if name not in changes:
            continue
        value = changes[name]
        if value in (None, "") and name != "title":
            data.pop(name, None)
        else:
            data[name] = value
    return data


def choices_from_lines(text: str) -> list[dict[str, str]]:
    """``value|label`` lines (``value|label|label_en``; a bare line is both) → choices."""
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        value = parts[0]
        label = parts[1] if len(parts) > 1 and parts[1] else value
        choice = {"value": value, "label": label}
        if len(parts) > 2 and parts[2]:
            choice["label_en"] = parts[2]
        out.append(choice)
    return out


def choices_to_lines(choices: Iterable[Mapping[str, Any]]) -> str:
    lines = []
    for c in choices or ():
        line = f"{c.get('value', '')}|{c.get('label', '')}"
        if c.get("label_en"):
            line += f"|{c['label_en']}"
        lines.append(line)
    return "\n".join(lines)
