"""The submission's answers as (label, text) rows, using its own form version's labels.

Why here and not in apply: staff read a case with the labels of the exact form
version the resident filled in (a later edit of the form must not relabel old
answers), and without the resident pages' step logic.
"""

from __future__ import annotations

from typing import Any


def _text(value: Any, spec: dict[str, Any]) -> str:
    if value is None or value == "" or value == []:
        return ""
    choices = {str(c.get("value")): c.get("label", "") for c in spec.get("choices") or ()}
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, dict):
        if spec.get("type") == "name" or "family" in value:
            name = " ".join(str(value.get(k) or "") for k in ("family", "given")).strip()
            kana = " ".join(str(value.get(k) or "") for k in ("family_kana", "given_kana")).strip()
            return f"{name}（{kana}）" if kana else name
        return "、".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        if spec.get("type") == "group":
            children = {f.get("key"): f for f in spec.get("fields") or ()}
            rows = []
            for item in value:
                if isinstance(item, dict):
                    rows.append(" / ".join(_text(v, children.get(k, {})) for k, v in item.items()))
            return "；".join(rows)
        return "、".join(choices.get(str(v), str(v)) for v in value)
    return str(choices.get(str(value), value))


def case_fields(sub: Any) -> list[tuple[str, str]]:
    """(label, text) for every answered field, in form order; unknown keys at the end."""
    data = dict(sub.data or {})
    definition = sub.form_version.definition if sub.form_version_id else {}
    rows: list[tuple[str, str]] = []
    for step in (definition or {}).get("steps", []):
        for spec in step.get("fields", []):
            key = spec.get("key")
            if key in data:
                text = _text(data.pop(key), spec)
                if text:
                    rows.append((str(spec.get("label") or key), text))
    for key, value in data.items():
        text = _text(value, {})
        if text:
            rows.append((key, text))
    return rows
