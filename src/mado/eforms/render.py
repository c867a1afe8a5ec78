"""Helpers the resident flow and the counter render a step from (no templates here).

Why: the HTML form, the no-JavaScript flow and the paper (PDF) form must all
agree on input names, ids, which fields are visible and required, and which
help and error texts describe an input (``aria-describedby``). This module
turns a compiled form plus a validation :class:`~mado.eforms.logic.Result`
into plain view objects, and turns an HTML POST back into the nested raw
values :func:`~mado.eforms.logic.validate_submission` expects.

Input naming (flat, so it works without JavaScript):

* scalar fields: ``<key>``; multiple choice: ``<key>`` repeated;
* name parts: ``<key>.family`` / ``.given`` / ``.family_kana`` / ``.given_kana``;
* group rows: ``<key>.<row>.<child>`` (and ``<key>.<row>.<child>.family`` for names).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mado.eforms.fields import MAX_ROWS, NAME_PARTS
from mado.eforms.logic import CompiledForm, Result

_ROW = re.compile(r"(\d{1,3})\.([a-z][a-z0-9_]*)(?:\.([a-z_]+))?")


def _get(data: Any, name: str, many: bool = False) -> Any:
    if many:
        return list(data.getlist(name)) if hasattr(data, "getlist") else data.get(name)
    if hasattr(data, "getlist"):
        values = data.getlist(name)
        return values[-1] if values else None
    return data.get(name)


def raw_from_post(compiled: CompiledForm, data: Mapping[str, Any]) -> dict[str, Any]:
    """Nested raw values from a flat POST (a QueryDict or a plain dict); unknown names ignored."""
    raw: dict[str, Any] = {}
    names = list(data.keys())
    for f in compiled.fields:
        if f.type == "multichoice":
            raw[f.key] = _get(data, f.key, many=True)
        elif f.type == "name":
            parts = {p: _get(data, f"{f.key}.{p}") for p in NAME_PARTS}
            raw[f.key] = parts if any(parts.values()) else _get(data, f.key)
        elif f.type == "group":
            raw[f.key] = _rows(f.key, f.spec, data, names)
        else:
            raw[f.key] = _get(data, f.key)
    return {k: v for k, v in raw.items() if v not in (None, [])}


def _rows(key: str, spec: Mapping[str, Any], data: Any, names: list[str]) -> list[dict[str, Any]]:
    children = {c["key"]: c for c in spec.get("fields") or ()}
    rows: dict[int, dict[str, Any]] = {}
    prefix = key + "."
    for name in names:
        if not name.startswith(prefix):
            continue
        m = _ROW.fullmatch(name[len(prefix) :])
        if not m or m[2] not in children or int(m[1]) >= MAX_ROWS:
            continue
        row = rows.setdefault(int(m[1]), {})
        child = children[m[2]]
        if m[3] and child["type"] == "name" and m[3] in NAME_PARTS:
            row.setdefault(m[2], {})[m[3]] = _get(data, name)
        elif not m[3]:
            row[m[2]] = _get(data, name, many=child["type"] == "multichoice")
    return [rows[i] for i in sorted(rows)]


@dataclass
class FieldView:
    """One input as a template needs it; texts already in the requested language."""

    key: str
    type: str
    label: str
    help: str
    input_id: str
    help_id: str
    error_id: str
    required: bool
    visible: bool
    locked: bool
    value: Any
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    spec: Mapping[str, Any] = field(default_factory=dict)

    @property
    def describedby(self) -> str:
        """ids for ``aria-describedby``: help text, then errors (only those present)."""
        ids = [self.help_id] if self.help else []
        if self.errors or self.warnings:
            ids.append(self.error_id)
        return " ".join(ids)


def _text(spec: Mapping[str, Any], name: str, lang: str) -> str:
    if lang == "en":
        return str(spec.get(f"{name}_en") or spec.get(name) or "")
    return str(spec.get(name) or "")


def step_fields(
    compiled: CompiledForm,
    step: str,
    result: Result,
    *,
    locked: frozenset[str] = frozenset(),
    lang: str = "ja",
) -> list[FieldView]:
    """The fields of ``step`` in order (sections included), with visibility and messages."""
    state = result.state
    definition_step = next(s for s in compiled.definition["steps"] if s["key"] == step)
    views = []
    for spec in definition_step["fields"]:
        key = spec["key"]
        errors = [
            m
            for path, ms in result.errors.items()
            if path == key or path.startswith((key + ".", key + "["))
            for m in ms
        ]
        warnings = [
            m
            for path, ms in result.warnings.items()
            if path == key or path.startswith((key + ".", key + "["))
            for m in ms
        ]
        views.append(
            FieldView(
                key=key,
                type=spec["type"],
                label=_text(spec, "label", lang),
                help=_text(spec, "help", lang),
                input_id=f"f-{key}",
                help_id=f"f-{key}-help",
                error_id=f"f-{key}-error",
                required=bool(state and key in state.required),
                visible=spec["type"] == "section" or bool(state and key in state.visible),
                locked=key in locked,
                value=(
                    result.values.get(key)
                    if key in locked or (state and key in state.computed)
                    else result.raw.get(key)
                ),
                errors=errors,
                warnings=warnings,
                choices=[
                    (str(c["value"]), _text(c, "label", lang)) for c in spec.get("choices") or ()
                ],
                spec=spec,
            )
        )
    return views
