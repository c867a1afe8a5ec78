"""HTML form ↔ form-definition fields: reading a step's POST, and what a template needs.

Why by hand rather than Django ``forms.Form``: the fields come from a JSON
definition (eforms), their validation and logic run in the eforms engine over
the *whole* answer set, and a repeating group grows and shrinks by plain
submit buttons (no JavaScript). This module only translates: the POST of one
step becomes the *raw* values a draft stores (what the person typed, exactly),
and a field plus its raw value, error and prefill state becomes the context
one template include renders. Nothing here decides validity.

Input names: ``f-<key>`` for a plain field, ``f-<key>-<part>`` for the four
inputs of a name, ``f-<group>-<row>-<key>`` inside a repeating group, with
``f-<group>-rows`` carrying the row count. Buttons send ``_action``: ``next``,
``back``, ``save``, ``add:<group>``, ``remove:<group>:<row>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NAME_PARTS = ("family", "given", "family_kana", "given_kana")
NAME_PART_LABELS = {"family": "姓", "given": "名", "family_kana": "セイ", "given_kana": "メイ"}
NAME_PART_LABELS_EN = {"family": "Family name", "given": "Given name",
                       "family_kana": "Family name (kana)", "given_kana": "Given name (kana)"}
VALUE_TYPES = frozenset({"text", "kana", "name", "date", "postal_code", "address", "phone",
                         "email", "number", "money", "choice", "multichoice", "checkbox", "file",
                         "group"})
MAX_GROUP_ROWS = 50  # a crafted row count must not make the server build a million rows

# input attributes per type: (inputmode, autocomplete, size class)
INPUT_HINTS: dict[str, tuple[str, str, str]] = {
    "postal_code": ("numeric", "postal-code", "input--short"),
    "phone": ("tel", "tel", "input--medium"),
    "email": ("email", "email", ""),
    "number": ("numeric", "off", "input--short"),
    "money": ("numeric", "off", "input--short"),
    "date": ("text", "off", "input--medium"),
    "address": ("text", "street-address", ""),
    "kana": ("text", "off", ""),
    "text": ("text", "off", ""),
}


def input_name(key: str, prefix: str = "") -> str:
    return f"f-{prefix}{key}"


def value_fields(fields: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The fields of a list that carry a value (sections are display only)."""
    return [f for f in fields if f.get("type") in VALUE_TYPES]


def all_fields(definition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [f for step in definition.get("steps", []) for f in step.get("fields", [])]


def empty_value(f: Mapping[str, Any]) -> Any:
    t = f.get("type")
    if t == "name":
        return dict.fromkeys(NAME_PARTS, "")
    if t in ("multichoice", "group"):
        return []
    if t == "checkbox":
        return False
    return ""


def _read_one(f: Mapping[str, Any], post: Mapping[str, Any], prefix: str) -> Any:
    """The raw value of one non-group, non-file field from the POST (strings kept as typed)."""
    name = input_name(f["key"], prefix)
    t = f.get("type")
    if t == "name":
        return {part: str(post.get(f"{name}-{part}", "")) for part in NAME_PARTS}
    if t == "multichoice":
        getlist = getattr(post, "getlist", None)
        values = getlist(name) if getlist else post.get(name, [])
        allowed = {str(c.get("value")) for c in f.get("choices", [])}
        return [v for v in values if v in allowed]
    if t == "checkbox":
        return post.get(name) in ("1", "on", "true", "yes")
    return str(post.get(name, ""))


def _group_rows(f: Mapping[str, Any], post: Mapping[str, Any]) -> int:
    try:
        n = int(str(post.get(f"{input_name(f['key'])}-rows", "0")))
    except ValueError:
        n = 0
    return max(0, min(n, MAX_GROUP_ROWS, int(f.get("max") or MAX_GROUP_ROWS)))


@dataclass
class StepInput:
    """One step's POST, translated: raw values, uploaded files, and the button pressed."""

    raw: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)  # "key" or "group[row].key" -> upload
    action: str = "next"


def read_step(step: Mapping[str, Any], post: Mapping[str, Any],
              files: Mapping[str, Any] | None = None) -> StepInput:
    """The raw values of ``step``'s fields from a POST (file fields: see ``StepInput.files``).

    A file field's raw value is left out (the caller keeps the draft's earlier
    attachment unless a new upload is in ``files``). Group rows are read up to
    the posted row count, then the add/remove button is applied.
    """
    files = files or {}
    raw: dict[str, Any] = {}
    uploads: dict[str, Any] = {}
    action = str(post.get("_action", "next"))[:100]
    for f in value_fields(step.get("fields", [])):
        key, t = f["key"], f.get("type")
        if t == "file":
            upload = files.get(input_name(key))
            if upload is not None and getattr(upload, "name", ""):
                uploads[key] = upload
            continue
        if t != "group":
            raw[key] = _read_one(f, post, "")
            continue
        rows = []
        for i in range(_group_rows(f, post)):
            prefix = f"{key}-{i}-"
            row: dict[str, Any] = {}
            for sub in value_fields(f.get("fields", [])):
                if sub.get("type") == "file":
                    upload = files.get(input_name(sub["key"], prefix))
                    if upload is not None and getattr(upload, "name", ""):
                        uploads[f"{key}[{i}].{sub['key']}"] = upload
                    continue
                if sub.get("type") != "group":
                    row[sub["key"]] = _read_one(sub, post, prefix)
            rows.append(row)
        raw[key] = apply_group_action(f, rows, action)
    return StepInput(raw=raw, files=uploads, action=action)


def apply_group_action(f: Mapping[str, Any], rows: list[dict[str, Any]],
                       action: str) -> list[dict[str, Any]]:
    """Add an empty row or remove one, as the pressed button asks (within min/max)."""
    key = f["key"]
    limit = min(int(f.get("max") or MAX_GROUP_ROWS), MAX_GROUP_ROWS)
    if action == f"add:{key}" and len(rows) < limit:
        rows = [*rows, {s["key"]: empty_value(s) for s in value_fields(f.get("fields", []))}]
    elif action.startswith(f"remove:{key}:"):
        try:
            index = int(action.rsplit(":", 1)[1])
        except ValueError:
            index = -1
        if 0 <= index < len(rows):
            rows = rows[:index] + rows[index + 1:]
    return rows


def is_row_action(action: str) -> bool:
    return action.startswith(("add:", "remove:"))


def is_empty(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict):
        return all(is_empty(v) for v in value.values())
    if isinstance(value, list):
        return not value
    return False


def _label(f: Mapping[str, Any], english: bool) -> str:
    return str((english and f.get("label_en")) or f.get("label") or f.get("key", ""))


def _help(f: Mapping[str, Any], english: bool) -> str:
    return str((english and f.get("help_en")) or f.get("help") or "")


def _as_text(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    return str(value)


@dataclass
class FieldState:
    """What the view knows about a field besides its raw value."""

    errors: Mapping[str, str] = field(default_factory=dict)  # "key" / "group[row].key" -> text
    locked: frozenset[str] = frozenset()  # top-level keys locked by a card-verified identity
    prefilled: frozenset[str] = frozenset()  # top-level keys filled from identity/registry
    required: frozenset[str] = frozenset()  # keys required by the definition or a logic rule
    computed: Mapping[str, Any] = field(default_factory=dict)  # compute targets -> value
    compute_targets: frozenset[str] = frozenset()  # never inputs, even before they have a value
    attachments: Mapping[str, str] = field(default_factory=dict)  # attachment ref -> file name
    english: bool = False


def field_view(f: Mapping[str, Any], raw: Any, state: FieldState, *, prefix: str = "",
               path: str = "") -> dict[str, Any]:
    """The template context of one field (``prefix``/``path`` address a group row's field)."""
    key, t = f["key"], f.get("type", "text")
    path = path or key
    name = input_name(key, prefix)
    error = state.errors.get(path, "")
    if raw is None:
        raw = f.get("default", empty_value(f)) if not prefix else empty_value(f)
    top = path.split(".", 1)[0].split("[", 1)[0]
    locked = top in state.locked
    view: dict[str, Any] = {
        "type": t, "key": key, "name": name, "id": name, "path": path,
        "label": _label(f, state.english), "help": _help(f, state.english),
        "error": error, "required": bool(f.get("required")) or path in state.required,
        "locked": locked, "prefilled": top in state.prefilled and not prefix,
        "computed": (key in state.computed or key in state.compute_targets) and not prefix,
        "multiline": bool(f.get("multiline")),
        "max_length": f.get("max_length") or "",
        "min": f.get("min", ""), "max": f.get("max", ""),
    }
    if view["computed"]:
        raw = state.computed.get(key, "")
    view["help_id"] = f"{name}-help" if view["help"] else ""
    view["error_id"] = f"{name}-error" if error else ""
    format_id = f"{name}-format" if t == "date" else ""
    view["describedby"] = " ".join(x for x in (view["error_id"], view["help_id"], format_id) if x)
    view["target"] = name  # where the error summary links to
    inputmode, autocomplete, size = INPUT_HINTS.get(t, ("text", "off", ""))
    view.update({"inputmode": inputmode, "autocomplete": autocomplete, "size_class": size})
    if t == "name":
        value = raw if isinstance(raw, Mapping) else {"family": _as_text(raw)}
        labels = NAME_PART_LABELS_EN if state.english else NAME_PART_LABELS
        view["parts"] = [{"part": p, "id": f"{name}-{p}", "name": f"{name}-{p}",
                          "label": labels[p], "value": _as_text(value.get(p, "")),
                          "locked": locked and p in ("family", "given"),
                          "required": view["required"] and p in ("family", "given"),
                          "autocomplete": {"family": "family-name", "given": "given-name"}
                          .get(p, "off")} for p in NAME_PARTS]
        view["target"] = f"{name}-family"
    elif t in ("choice", "multichoice"):
        selected = {str(v) for v in raw} if isinstance(raw, list) else {_as_text(raw)}
        view["choices"] = [{"value": str(c.get("value")),
                            "label": str((state.english and c.get("label_en")) or c.get("label")
                                         or c.get("value")),
                            "id": f"{name}-{i}", "checked": str(c.get("value")) in selected}
                           for i, c in enumerate(f.get("choices", []))]
        if view["choices"]:
            view["target"] = view["choices"][0]["id"]
    elif t == "checkbox":
        view["checked"] = raw in (True, "1", "on", "true", "yes")
    elif t == "file":
        ref = _as_text(raw)
        view["attachment"] = ref
        view["file_name"] = state.attachments.get(ref, "") if ref else ""
        view["accept"] = ",".join(f.get("accept", []))
        view["max_size_mb"] = round(int(f.get("max_size") or 0) / 1048576, 1) or ""
    elif t == "group":
        rows = raw if isinstance(raw, list) else []
        subs = [s for s in f.get("fields", []) if s.get("type") != "group"]
        view["rows"] = [{"index": i, "number": i + 1, "id": f"{name}-{i}",
                         "fields": [field_view(s, row.get(s["key"]) if isinstance(row, Mapping)
                                               else None, state, prefix=f"{key}-{i}-",
                                               path=f"{path}[{i}].{s['key']}")
                                    for s in subs]}
                        for i, row in enumerate(rows)]
        limit = min(int(f.get("max") or MAX_GROUP_ROWS), MAX_GROUP_ROWS)
        view["row_count"] = len(rows)
        view["can_add"] = len(rows) < limit and not locked
        view["can_remove"] = len(rows) > int(f.get("min") or 0) and not locked
        view["target"] = f"{name}-add"
    else:
        view["value"] = _as_text(raw)
    return view
