"""Fees (手数料) of a procedure: fixed, per copy, or computed from what the resident entered.

Why the fee is worked out here and not taken from the form's own ``fee_total``
field: a computed field in a form is a display for the resident, and the
amount the city charges must not depend on what a browser sent. The rule is
data (:class:`~mado.payments.models.FeeRule`), evaluated with the procedures
rule language over the *validated* submission data — parsed and type-checked,
never ``eval`` — so staff can change a price or add an exemption
(免除: e.g. 年金の手続に使う証明書は無料) without code.

A procedure without a FeeRule falls back to its catalogue ``fee`` and
``fee_unit`` (per copy reads the ``copies`` field), paid before review.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mado.payments.models import FeeKind, FeeRule, FeeTiming
from mado.procedures.rules import UNKNOWN, FactSpec, RuleError, compile_expression, compile_rule

MAX_COPIES = 1000


class FeeError(ValueError):
    """A fee rule that cannot be evaluated (message: 日本語 / English)."""


@dataclass(frozen=True)
class FeeQuote:
    """What a submission costs: ``amount_yen`` (0 when exempt or free) and when it is paid."""

    amount_yen: int
    timing: str = FeeTiming.BEFORE
    exempt: bool = False
    exemption_reason: str = ""
    basis: str = ""  # "300円 × 2通" — shown to the resident and staff

    @property
    def payable(self) -> bool:
        return self.amount_yen > 0 and not self.exempt


def rule_for(municipality: Any, procedure: Any) -> FeeRule:
    """The active FeeRule of a procedure, or one built (unsaved) from its catalogue fee."""
    rule = (FeeRule.unscoped.filter(municipality=municipality, procedure_code=procedure.code,
                                    is_active=True).first())
    if rule is not None:
        return rule
    fee = int(getattr(procedure, "fee", 0) or 0)
    unit = getattr(procedure, "fee_unit", "") or ""
    if fee == 0 or unit == "none":
        kind = FeeKind.FREE
    elif unit == "per_copy":
        kind = FeeKind.PER_COPY
    else:
        kind = FeeKind.FIXED
    return FeeRule(municipality=municipality, procedure_code=procedure.code, kind=kind,
                   amount_yen=fee, copies_field="copies", timing=FeeTiming.BEFORE)


def fact_specs_of(definition: Mapping[str, Any] | None) -> dict[str, FactSpec]:
    """The facts a fee expression may name: the form's top-level fields."""
    from mado.eforms.schema import fact_specs, top_fields

    if not definition:
        return {}
    return fact_specs([f for _step, f, _path in top_fields(definition)])


def check_rule(rule: FeeRule, definition: Mapping[str, Any] | None) -> list[str]:
    """Messages for an expression or exemption condition the form's fields cannot satisfy."""
    specs = fact_specs_of(definition)
    problems = []
    if rule.kind == FeeKind.COMPUTED:
        try:
            compile_expression(rule.expression, specs, "int")
        except RuleError as exc:
            problems.append(f"計算式 / expression: {exc}")
    if rule.exempt_when:
        try:
            compile_rule(rule.exempt_when, specs)
        except RuleError as exc:
            problems.append(f"免除の条件 / exemption: {exc}")
    if rule.kind == FeeKind.PER_COPY and rule.copies_field and definition is not None \
            and specs.get(rule.copies_field, FactSpec(rule.copies_field, "int")).type != "int":
        problems.append("通数の項目は数値の項目です / the copies field must be a number")
    return problems


def _count(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key or "copies")
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except (TypeError, ValueError):
            value = 1
    return max(0, min(int(value), MAX_COPIES))


def quote(rule: FeeRule, data: Mapping[str, Any],
          definition: Mapping[str, Any] | None = None) -> FeeQuote:
    """The fee for ``data`` (validated form values) under ``rule``; raises FeeError if unusable."""
    specs = fact_specs_of(definition)
    timing = rule.timing or FeeTiming.BEFORE
    if rule.exempt_when:
        try:
            exempt = compile_rule(rule.exempt_when, specs).evaluate(data)
        except RuleError as exc:
            raise FeeError(f"免除の条件が正しくありません / invalid exemption rule: {exc}") from exc
        if exempt is True:
            return FeeQuote(0, timing, True, rule.exemption_reason or "免除", "免除 / exempt")
    if rule.kind == FeeKind.FREE:
        return FeeQuote(0, timing, basis="無料 / free")
    if rule.kind == FeeKind.FIXED:
        return FeeQuote(int(rule.amount_yen), timing, basis=f"{rule.amount_yen:,}円")
    if rule.kind == FeeKind.PER_COPY:
        n = _count(data, rule.copies_field)
        return FeeQuote(int(rule.amount_yen) * n, timing,
                        basis=f"{rule.amount_yen:,}円 × {n}")
    if rule.kind == FeeKind.COMPUTED:
        try:
            value = compile_expression(rule.expression, specs, "int").evaluate(data)
        except RuleError as exc:
            raise FeeError(f"手数料の計算式が正しくありません / invalid fee expression: {exc}") from exc
        if value is UNKNOWN or not isinstance(value, int):
            raise FeeError("手数料を計算できません（必要な項目が未入力です） / "
                           "the fee cannot be computed: an answer it needs is missing")
        return FeeQuote(max(0, int(value)), timing, basis=rule.expression)
    raise FeeError(f"計算方法が不正です: {rule.kind!r} / unknown fee kind {rule.kind!r}")


def quote_submission(submission: Any) -> FeeQuote:
    """The fee of a submitted application (its procedure's rule over its data)."""
    definition = submission.form_version.definition if submission.form_version_id else None
    rule = rule_for(submission.municipality, submission.procedure)
    return quote(rule, dict(submission.data or {}), definition)
