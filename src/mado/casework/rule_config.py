"""Staff editing of automatic review rules (自動審査ルール), outside the Django admin.

Why: issue 7 asks for rules "edited by staff like the navigator's" — the
department head (所属長, role ``manager``) changes what the machine checks
without a release and without admin rights. A rule is saved only when it
compiles against the facts of the procedure's latest form version (the same
check the bulk review relies on), so a typo is shown to the person who made it
instead of referring every case as "broken rule". Rules are disabled, never
deleted: past review results name them. Every save is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from mado.casework.models import ReviewRule
from mado.casework.review import fact_specs, validate_review_rule
from mado.core import audit
from mado.core.models import Role, StaffMembership
from mado.core.services import staff_municipality
from mado.procedures.models import Procedure
from mado.procedures.rules import RuleError

FIELDS = ("procedure", "name", "expression", "refer_reason", "sort_order", "active")


@dataclass
class RuleInput:
    """What the form posted, kept as typed so a refused save shows it again."""

    procedure: str = ""
    name: str = ""
    expression: str = ""
    refer_reason: str = ""
    sort_order: str = "0"
    active: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_post(cls, post: Any) -> RuleInput:
        return cls(procedure=(post.get("procedure") or "").strip(),
                   name=(post.get("name") or "").strip(),
                   expression=(post.get("expression") or "").strip(),
                   refer_reason=(post.get("refer_reason") or "").strip(),
                   sort_order=(post.get("sort_order") or "0").strip(),
                   active=post.get("active") == "1")

    @classmethod
    def from_rule(cls, rule: ReviewRule) -> RuleInput:
        return cls(procedure=str(rule.procedure_id), name=rule.name, expression=rule.expression,
                   refer_reason=rule.refer_reason, sort_order=str(rule.sort_order),
                   active=rule.active)


def rule_department_ids(user: Any) -> set[int]:
    """Departments whose review rules ``user`` may edit: where they are 所属長 (manager)."""
    municipality = staff_municipality(user)
    if municipality is None:
        return set()
    return set(StaffMembership.unscoped.filter(
        municipality=municipality, user=user, role=Role.MANAGER,
    ).values_list("department_id", flat=True))


def editable_procedures(user: Any) -> list[Procedure]:
    return list(Procedure.unscoped.filter(department_id__in=rule_department_ids(user))
                .select_related("department").order_by("department__sort_order", "name"))


def rules_for(user: Any) -> list[ReviewRule]:
    return list(ReviewRule.unscoped.filter(procedure__department_id__in=rule_department_ids(user))
                .select_related("procedure").order_by("procedure__name", "sort_order", "pk"))


def get_rule(user: Any, pk: int) -> ReviewRule | None:
    """The rule if ``user`` may edit it (None otherwise: absent, other department or city)."""
    return (ReviewRule.unscoped.select_related("procedure")
            .filter(pk=pk, procedure__department_id__in=rule_department_ids(user)).first())


def latest_definition(procedure: Procedure) -> dict[str, Any] | None:
    from mado.eforms.models import FormVersion

    version = (FormVersion.unscoped.filter(form__procedure=procedure)
               .order_by("-number").only("definition").first())
    return version.definition if version else None


def fact_names(procedure: Procedure | None) -> list[str]:
    """The facts a rule of this procedure may name (shown beside the editor)."""
    return sorted(fact_specs(latest_definition(procedure) if procedure else None))


def _clean(user: Any, data: RuleInput) -> tuple[Procedure | None, int]:
    errors = data.errors
    procedure = None
    if data.procedure.isdigit():
        procedure = next((p for p in editable_procedures(user) if p.pk == int(data.procedure)),
                         None)
    if procedure is None:
        errors["procedure"] = "手続を選んでください / choose a procedure"
    if not data.name:
        errors["name"] = "名称を入力してください / a name is required"
    elif len(data.name) > 100:
        errors["name"] = "名称は100文字までです / at most 100 characters"
    if not data.refer_reason:
        errors["refer_reason"] = ("要確認の理由を入力してください / the reason shown to staff "
                                  "is required")
    elif len(data.refer_reason) > 200:
        errors["refer_reason"] = "理由は200文字までです / at most 200 characters"
    order = 0
    if not data.sort_order.isdigit() or int(data.sort_order) > 10_000:
        errors["sort_order"] = "順序は0〜10000の数字です / order is a number from 0 to 10000"
    else:
        order = int(data.sort_order)
    if not data.expression:
        errors["expression"] = "条件を入力してください / a condition is required"
    elif len(data.expression) > 2000:
        errors["expression"] = "条件は2000文字までです / at most 2000 characters"
    elif procedure is not None:
        try:
            validate_review_rule(data.expression, latest_definition(procedure))
        except RuleError as exc:
            errors["expression"] = str(exc)
    return procedure, order


def save_rule(user: Any, data: RuleInput, rule: ReviewRule | None = None) -> ReviewRule | None:
    """Create or update a rule; None with ``data.errors`` filled when the input is refused."""
    procedure, order = _clean(user, data)
    if data.errors or procedure is None:
        return None
    with transaction.atomic():
        if rule is None:
            rule = ReviewRule(municipality_id=procedure.municipality_id)
        rule.procedure, rule.name, rule.expression = procedure, data.name, data.expression
        rule.refer_reason, rule.sort_order, rule.active = data.refer_reason, order, data.active
        rule.save()
        audit.record("review_rule_saved", user=user, municipality=procedure.municipality,
                     target_type="review_rule", target_id=rule.pk,
                     detail={"procedure": procedure.code, "name": rule.name,
                             "expression": rule.expression, "active": rule.active})
    return rule


def set_rule_active(user: Any, rule: ReviewRule, active: bool) -> ReviewRule:
    """Enable or disable a rule (rules are never deleted: past results name them)."""
    with transaction.atomic():
        rule.active = active
        rule.save(update_fields=["active"])
        audit.record("review_rule_saved", user=user, municipality=rule.procedure.municipality,
                     target_type="review_rule", target_id=rule.pk,
                     detail={"procedure": rule.procedure.code, "name": rule.name,
                             "active": active})
    return rule
