"""Prefill: fill a form from what the city already knows (書かない — no writing).

Why here and why so literal: a field says where its first value comes from
(``"prefill": "identity.name"`` or ``"registry.household"``) and this module
is the only place that knows how an identity dict or a ResidentRecord maps to
those names. The counter and the KPI ("fields prefilled vs. typed") need to
know *which* fields were prefilled and from where, so ``prefill`` returns the
sources alongside the values. Card-verified attributes (the four a JPKI
signature certificate carries: name, birth date, sex, address) are returned as
*locked*: the resident flow shows them read-only and ``validate_submission``
refuses to let a submission change them.

Every value goes through the field's own parser, so a prefilled value is in
exactly the canonical form a typed one would be (katakana, ISO dates, ...).
Eforms only reads identity attribute *names*; it never imports the identity app.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mado.eforms.fields import check, is_empty
from mado.eforms.logic import CompiledForm

CARD_LOCKED = frozenset({"name", "birth_date", "sex", "address"})


def _resident_attrs(resident: Any) -> dict[str, Any]:
    """A ResidentRecord as the attribute names prefill sources use."""
    return {
        "name": {
            "family": resident.family_name,
            "given": resident.given_name,
            "family_kana": resident.family_name_kana,
            "given_kana": resident.given_name_kana,
        },
        "name_kana": resident.full_name_kana,
        "birth_date": resident.birth_date,
        "sex": resident.sex,
        "postal_code": resident.postal_code,
        "address": resident.address,
        "address_extra": resident.address_extra,
        "relationship": resident.relationship,
    }


def _fit(value: object, spec: Mapping[str, Any]) -> object:
    """The value as the field would store it, or None if it does not fit the field."""
    if spec.get("type") in ("text", "address") and isinstance(value, Mapping):
        value = " ".join(p for p in (value.get("family"), value.get("given")) if p)
    if spec.get("type") == "choice" and value is not None:
        values = {str(c.get("value")) for c in spec.get("choices") or ()}
        if str(value) not in values:
            return None
    checked = check(value, spec, "")
    if checked.errors or is_empty(checked.value):
        return None
    return checked.value


def _household_rows(
    spec: Mapping[str, Any], resident: Any, *, others: bool
) -> list[dict[str, Any]]:
    from mado.registry.services import household_members

    rows = []
    for member in household_members(resident):
        if others and member.pk == resident.pk:
            continue
        attrs = _resident_attrs(member)
        row: dict[str, Any] = {}
        for child in spec.get("fields") or ():
            source = child.get("prefill") or ""
            name = source.removeprefix("member.") if source.startswith("member.") else child["key"]
            if name in attrs:
                value = _fit(attrs[name], child)
                if value is not None:
                    row[child["key"]] = value
        if row:
            rows.append(row)
    return rows


def defaults(compiled: CompiledForm) -> dict[str, Any]:
    """The definition's ``default`` values, parsed like typed input."""
    out = {}
    for f in compiled.fields:
        if f.spec.get("default") is not None:
            value = _fit(f.spec["default"], f.spec)
            if value is not None:
                out[f.key] = value
    return out


def prefill(
    compiled: CompiledForm,
    identity: Mapping[str, Any] | None,
    resident: Any | None,
) -> tuple[dict[str, Any], frozenset[str], dict[str, str]]:
    """(values, locked keys, sources) for a new submission; sources say "identity" or "registry".

    ``values`` start from the definition's defaults (which are not counted as
    prefilled: they have no source). With ``identity["level"] == "card"`` the
    four certificate attributes are locked.
    """
    values = defaults(compiled)
    locked: set[str] = set()
    sources: dict[str, str] = {}
    card = bool(identity) and identity.get("level") == "card"  # type: ignore[union-attr]
    registry_attrs = _resident_attrs(resident) if resident is not None else {}
    for f in compiled.fields:
        source = f.spec.get("prefill")
        if not isinstance(source, str):
            continue
        origin, _, name = source.partition(".")
        if origin == "registry" and resident is not None:
            if name in ("household", "household_others"):
                rows = _household_rows(f.spec, resident, others=name == "household_others")
                if rows:
                    values[f.key], sources[f.key] = rows, "registry"
                continue
            value = _fit(registry_attrs.get(name), f.spec)
        elif origin == "identity" and identity:
            value = _fit(identity.get(name), f.spec)
            if value is not None and card and name in CARD_LOCKED:
                locked.add(f.key)
        else:
            continue
        if value is not None:
            values[f.key], sources[f.key] = value, origin
    return values, frozenset(locked), sources
