"""Field types of a form: how raw input becomes a stored value, and what is wrong with it.

Why one module per concern: residents type the same thing in many shapes
(ｶﾀｶﾅ or ひらがな, 令和2年 or 2020, 〒１００－０００１, "1,200円"), a browser sends
strings, the API sends JSON and a counter tablet may send either. Every field
type therefore has one ``parse`` that accepts all of those shapes and returns
the one canonical value Mado stores (katakana, ISO dates, 7-digit postal
codes, digits-only phone numbers, ints), and one ``validate`` that checks the
canonical value against the field's own limits. Parsing is idempotent: feeding
a stored value back in gives the same value, so a saved draft can be
re-validated at any time.

Nothing here raises on odd input: ``check`` turns any exception into a
field-specific, bilingual message (Japanese first), and strings longer than
:data:`MAX_RAW` are refused before any work is done on them. Characters of a
name are never replaced; one outside JIS X 0213 gives a *warning* (the
registry and the printed form may not be able to show it), not an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mado.eforms.parsers import (
    DEFAULT_MAX_LENGTH,
    FIELD_TYPES,
    FILE_TYPES,
    MAX_FILE_SIZE,
    MAX_INT,
    MAX_RAW,
    MAX_ROWS,
    NAME_PARTS,
    VALUE_TYPES,
    Invalid,
    is_empty,
    labels,
    message,
    no_messages,
    parse_checkbox,
    parse_choice,
    parse_date,
    parse_email,
    parse_file,
    parse_kana,
    parse_money,
    parse_multichoice,
    parse_name,
    parse_number,
    parse_phone,
    parse_postal_code,
    parse_text,
    validate_choice,
    validate_date,
    validate_length,
    validate_multichoice,
    validate_name,
    validate_range,
    warn_name,
)

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "FIELD_TYPES",
    "FILE_TYPES",
    "MAX_FILE_SIZE",
    "MAX_INT",
    "MAX_RAW",
    "MAX_ROWS",
    "NAME_PARTS",
    "TYPES",
    "VALUE_TYPES",
    "Checked",
    "FieldType",
    "Invalid",
    "check",
    "check_group",
    "is_empty",
    "labels",
    "message",
    "required_message",
]


@dataclass
class Checked:
    """Outcome of one field: its value (None when empty) and messages by path."""

    value: Any = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldType:
    """How one type parses, validates, warns, and which rule fact type it becomes (if any)."""

    parse: Callable[[object, Mapping[str, Any]], Any]
    validate: Callable[[Any, Mapping[str, Any]], list[str]] = no_messages
    warn: Callable[[Any, Mapping[str, Any]], list[str]] = no_messages
    fact_type: str | None = None


TYPES: dict[str, FieldType] = {
    "text": FieldType(parse_text, validate_length, fact_type="str"),
    "kana": FieldType(parse_kana, validate_length, fact_type="str"),
    "name": FieldType(parse_name, validate_name, warn_name),
    "date": FieldType(parse_date, validate_date, fact_type="str"),
    "postal_code": FieldType(parse_postal_code, fact_type="str"),
    "address": FieldType(parse_text, validate_length, fact_type="str"),
    "phone": FieldType(parse_phone, fact_type="str"),
    "email": FieldType(parse_email, validate_length, fact_type="str"),
    "number": FieldType(parse_number, validate_range, fact_type="int"),
    "money": FieldType(parse_money, validate_range, fact_type="int"),
    "choice": FieldType(parse_choice, validate_choice, fact_type="choice"),
    "multichoice": FieldType(parse_multichoice, validate_multichoice, fact_type="str_list"),
    "checkbox": FieldType(parse_checkbox, fact_type="bool"),
    "file": FieldType(parse_file),
}


def check(raw: object, spec: Mapping[str, Any], path: str) -> Checked:
    """Parse and validate one field's raw input; never raises. Messages are keyed by path."""
    ftype = spec.get("type")
    try:
        if ftype == "group":
            return check_group(raw, spec, path)
        kind = TYPES.get(str(ftype))
        if kind is None:
            return Checked()
        value = kind.parse(raw, spec)
        if is_empty(value):
            return Checked(value)
        result = Checked(value)
        if kind.validate is not no_messages:
            errors = kind.validate(value, spec)
            if errors:
                result.errors[path] = errors
        if kind.warn is not no_messages:
            warnings = kind.warn(value, spec)
            if warnings:
                result.warnings[path] = warnings
        return result
    except Invalid as exc:
        return Checked(None, {path: exc.messages})
    except Exception:  # a safety net: odd input must give a message, never a 500
        return Checked(
            None,
            {
                path: [
                    message(
                        spec,
                        "の入力を処理できませんでした。入力し直してください",
                        "the input could not be read; please enter it again",
                    )
                ]
            },
        )


def _rows(raw: object, spec: Mapping[str, Any]) -> list[object]:
    """Rows as a list: JSON gives a list, an HTML form may give {"0": {...}, "1": {...}}."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, Mapping):
        if not all(isinstance(k, str) and k.isdigit() and len(k) < 4 for k in raw):
            raise Invalid(
                message(spec, "の値の形式が正しくありません", "the value has the wrong shape")
            )
        raw = [raw[k] for k in sorted(raw, key=int)]
    if not isinstance(raw, list | tuple):
        raise Invalid(
            message(spec, "の値の形式が正しくありません", "the value has the wrong shape")
        )
    if len(raw) > MAX_ROWS:
        raise Invalid(message(spec, f"は{MAX_ROWS}件までです", f"at most {MAX_ROWS} rows"))
    return list(raw)


def check_group(raw: object, spec: Mapping[str, Any], path: str) -> Checked:
    """A repeating group: each row is checked by the child fields; blank rows are dropped."""
    result = Checked()
    children = [c for c in spec.get("fields") or () if c.get("type") in VALUE_TYPES]
    rows: list[dict[str, Any]] = []
    for raw_row in _rows(raw, spec):
        if not isinstance(raw_row, Mapping):
            result.errors.setdefault(path, []).append(
                message(spec, "の行の形式が正しくありません", "a row has the wrong shape")
            )
            continue
        index = len(rows)
        row: dict[str, Any] = {}
        row_errors: dict[str, list[str]] = {}
        for child in children:
            child_path = f"{path}[{index}].{child['key']}"
            checked = check(raw_row.get(child["key"]), child, child_path)
            row_errors.update(checked.errors)
            result.warnings.update(checked.warnings)
            if checked.value is not None:
                row[child["key"]] = checked.value
        if all(is_empty(v) for v in row.values()) and not row_errors:
            continue  # an untouched blank row of an HTML form
        for child in children:
            child_path = f"{path}[{index}].{child['key']}"
            if (
                child.get("required")
                and is_empty(row.get(child["key"]))
                and child_path not in row_errors
            ):
                row_errors[child_path] = [required_message(child)]
        result.errors.update(row_errors)
        rows.append(row)
    low, high = spec.get("min"), spec.get("max")
    if low and len(rows) < low:
        result.errors.setdefault(path, []).append(
            message(spec, f"は{low}件以上入力してください", f"enter at least {low} row(s)")
        )
    if high is not None and len(rows) > high:
        result.errors.setdefault(path, []).append(
            message(spec, f"は{high}件までです", f"at most {high} row(s)")
        )
    result.value = rows or None
    return result


def required_message(spec: Mapping[str, Any]) -> str:
    if spec.get("type") == "checkbox":
        return message(spec, "にチェックを入れてください", "this box must be checked")
    if spec.get("type") in ("choice", "multichoice"):
        return message(spec, "を選んでください", "please choose")
    return message(spec, "を入力してください", "this field is required")
