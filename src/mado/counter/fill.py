"""Filling every form of a visit once (once-only), and saying where each value came from.

Why a layer over ``eforms.prefill``: eforms knows the registry and identity
sources, but the counter has two more that eforms must not know about — the
answers given once for the whole visit (new address, move date: they fill
every form field of the same key) and the values the resident typed at home
in a pre-visit code. The order of precedence is the order of trust:
registry/household (the city's record) < answers < pre-visit < staff typing
(staff see the person and the documents, so what they type wins).

The source labels are what the form screen shows and what the KPI counts:
``registry`` 住民記録, ``household`` 世帯, ``question`` 質問, ``previsit``
来庁前申請, ``staff`` 職員入力.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mado.eforms import services as eforms
from mado.eforms.fields import is_empty

# Field keys an answer of the visit fills in every form (the move questions).
ANSWER_FIELDS: tuple[str, ...] = ("move_date", "new_postal_code", "new_address", "new_address_extra")
SOURCE_LABELS = {
    "registry": "住民記録",
    "household": "世帯",
    "question": "質問",
    "previsit": "来庁前申請",
    "staff": "職員入力",
}
PREFILLED_SOURCES = frozenset({"registry", "household", "question"})


@dataclass
class FilledForm:
    """One published form of a chosen procedure, filled for this visit."""

    procedure_code: str
    version: Any
    values: dict[str, Any]
    sources: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    clean: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return str(self.version.form.code)

    @property
    def title(self) -> str:
        return str(self.version.definition.get("title", self.code))

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, *sources: str) -> int:
        return sum(1 for s in self.sources.values() if s in sources)

    @property
    def prefilled(self) -> int:
        return self.count(*PREFILLED_SOURCES)

    @property
    def typed(self) -> int:
        return self.count("staff")


def identity_of(resident: Any) -> dict[str, Any]:
    """The resident as an identity dict: staff verified the person, the registry gives the rest.

    Level "none" so nothing is locked: at the counter staff may correct what the
    resident says has changed.
    """
    return {
        "level": "none",
        "name": resident.full_name,
        "birth_date": resident.birth_date.isoformat(),
        "sex": resident.sex,
        "address": resident.address,
        "email": "",
        "subject": "",
        "resident_id": resident.pk,
        "municipality": "",
    }


def fill_form(
    version: Any,
    resident: Any,
    *,
    procedure_code: str,
    answers: Mapping[str, Any],
    previsit: Mapping[str, Any],
    typed: Mapping[str, Any],
) -> FilledForm:
    """Prefill ``version`` for ``resident``; then answers, pre-visit and staff values on top."""
    compiled = eforms.compiled(version)
    values, _locked, raw_sources = eforms.prefill(compiled, identity_of(resident), resident)
    sources: dict[str, str] = {}
    for key in raw_sources:
        spec = compiled.by_key[key].spec
        from_household = str(spec.get("prefill", "")).startswith("registry.household")
        sources[key] = "household" if from_household else "registry"
    layers = (
        ("question", {k: v for k, v in answers.items() if k in ANSWER_FIELDS}),
        ("previsit", previsit),
        ("staff", typed),
    )
    for source, layer in layers:
        for key, value in layer.items():
            if key in compiled.by_key and not is_empty(value):
                values[key] = value
                sources[key] = source
    result = eforms.validate_submission(compiled, values)
    return FilledForm(procedure_code, version, values, sources, result.errors, result.values)


def missing_unknowable(filled: FilledForm) -> list[str]:
    """Required fields still empty that no answer of the visit can fill (staff must type them)."""
    return [k for k in filled.errors if k.split(".")[0].split("[")[0] not in ANSWER_FIELDS]
