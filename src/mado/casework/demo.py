"""Seed step for ``mado seed_demo``: review rules (神戸市's 0申告), approval routes, demo cases.

Runs after the forms step (order 100). The 0申告 rules are the worked example
of issue 7: a declaration of no income passes when the declarant is a resident,
the tax ledger shows no income for that 年度, there are no arrears and no
dependants are declared; anything else is referred to staff with its reason.
Re-running changes nothing already there (idempotent); cases are only added
while the city has fewer than :data:`DEMO_CASES`.
"""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

ZERO_DECLARATION = "shikenminzei-shinkoku"
ZERO_DECLARATION_RULES = [
    ("住民登録", "is_resident",
     "本市に住民登録がありません / not a registered resident of the city"),
    ("課税台帳の所得", "no_income_in_ledger",
     "課税台帳に所得の記録があります / the tax ledger shows income for that year"),
    ("滞納", "no_tax_arrears", "市税の滞納があります / there are tax arrears"),
    ("扶養", "not data_has_dependents",
     "扶養親族の申告があります（収入のない方の扶養は要確認） / dependants declared"),
]
DEMO_CASES = 120  # enough to fill each status of the inbox in the demo; a constant cost of seed_demo


def seed_zero_declaration_rules(procedure: Any) -> int:
    """The 0申告 rules for ``procedure`` (kept if present); returns how many were added."""
    from mado.casework.models import ReviewRule

    added = 0
    for i, (name, expression, reason) in enumerate(ZERO_DECLARATION_RULES):
        _, created = ReviewRule.unscoped.get_or_create(
            municipality_id=procedure.municipality_id, procedure=procedure, name=name,
            defaults={"expression": expression, "refer_reason": reason, "sort_order": i * 10})
        added += int(created)
    return added


def seed_route(procedure: Any, *, steps: list[tuple[int, str, str]] | None = None,
               due_days: int = 10) -> Any:
    """A two-step route (係長 approver → 課長 manager) unless ``steps`` says otherwise."""
    from mado.casework.models import ApprovalRoute, ApprovalStep

    route, created = ApprovalRoute.unscoped.get_or_create(
        municipality_id=procedure.municipality_id, procedure=procedure,
        defaults={"name": f"{procedure.name}の決裁", "due_business_days": due_days})
    if created:
        for order, label, role in steps or DEFAULT_STEPS:
            ApprovalStep.unscoped.create(municipality_id=procedure.municipality_id, route=route,
                                         order=order, label=label, role=role)
    return route


DEFAULT_STEPS = [(1, "係長決裁", "approver"), (2, "課長決裁", "manager")]


def _seed_routes(municipality: Any, procedures: list[Any]) -> int:
    """:func:`seed_route` with its defaults for every procedure, in two INSERTs.

    What 136 ``seed_route`` calls per municipality write (the same rows in the
    same order), without two round trips and a savepoint per procedure.
    """
    from mado.casework.models import ApprovalRoute, ApprovalStep

    have = set(ApprovalRoute.unscoped.filter(municipality=municipality)
               .values_list("procedure_id", flat=True))
    routes = ApprovalRoute.unscoped.bulk_create([
        ApprovalRoute(municipality=municipality, procedure=p, name=f"{p.name}の決裁",
                      due_business_days=10)
        for p in procedures if p.pk not in have])
    ApprovalStep.unscoped.bulk_create([
        ApprovalStep(municipality=municipality, route=route, order=order, label=label, role=role)
        for route in routes for order, label, role in DEFAULT_STEPS])
    return len(procedures)


def _demo_cases(municipality: Any, rng: random.Random) -> int:
    from django.utils import timezone

    from mado.casework import services as cw
    from mado.casework.models import Case
    from mado.eforms.services import current_version
    from mado.registry.models import ResidentRecord
    from mado.submissions import services as subs
    from mado.submissions.models import Status

    have = Case.unscoped.filter(municipality=municipality).count()
    version = current_version(municipality, "shotoku-nashi-shinkoku")
    if have >= DEMO_CASES or version is None or version.form.procedure_id is None:
        return 0
    procedure = version.form.procedure
    today = timezone.localdate()
    fy = today.year if today.month >= 4 else today.year - 1
    residents = list(ResidentRecord.unscoped.filter(municipality=municipality, status="active")
                     .order_by("pk")[:5000])
    if not residents:
        return 0
    made = 0
    for _ in range(DEMO_CASES - have):
        r = rng.choice(residents)
        data = {"name": {"family": r.family_name, "given": r.given_name,
                         "family_kana": r.family_name_kana, "given_kana": r.given_name_kana},
                "name_kana": r.full_name_kana, "birth_date": r.birth_date.isoformat(),
                "address": r.address, "phone": "0475-00-0000", "email": "demo@example.jp",
                "target_year": str(fy - 1), "reason": rng.choice(["unemployed", "student"]),
                "livelihood": "savings", "has_dependents": rng.random() < 0.05,
                "declaration": True}
        identity = {"level": "email", "subject": "demo@example.jp", "email": "demo@example.jp"}
        with transaction.atomic():
            # Complete answers: the direct path (same records, its case opened by the signal).
            sub = subs.create_submitted(municipality, procedure, version, data, channel="web",
                                        identity=identity, resident=r)
            roll = rng.random()
            if roll > 0.4:
                sub = subs.change_status(sub, Status.ACCEPTED, by="system")
            if roll > 0.7:
                sub = subs.change_status(sub, Status.IN_REVIEW, by="system")
        made += 1
    cw.review_cases(list(Case.unscoped.filter(municipality=municipality)
                         .values_list("pk", flat=True)))
    return made


# Extra demo accounts for the back office (the registry step makes the counter ones).
DEMO_STAFF = (
    ("zeimu", "税務 一郎", [("zeimu", "reviewer"), ("zeimu", "approver")]),
    ("kacho", "課長 正子", [("zeimu", "manager"), ("shimin", "manager")]),
)


def _staff(ctx: Any) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from mado.core.models import StaffMembership, StaffProfile

    municipality = ctx.municipalities.get("129992")
    if municipality is None:
        return
    # The registry step hashed the same demo password already (PBKDF2: ~0.5 s a hash).
    hashed = getattr(ctx, "password_hash", "") or make_password(settings.MADO_DEMO_PASSWORD)
    for username, display, roles in DEMO_STAFF:
        user, created = get_user_model().objects.get_or_create(username=username)
        profile = StaffProfile.objects.filter(user=user).first()
        if not created and profile is not None and not profile.is_demo:
            continue  # a real account of that name: never touched
        if created:
            user.password = hashed
            user.save()
        StaffProfile.objects.update_or_create(user=user, defaults={
            "municipality": municipality, "display_name": display, "is_demo": True})
        for dept, role in roles:
            department = ctx.departments.get(("129992", dept))
            if department is not None:
                StaffMembership.unscoped.get_or_create(
                    municipality=municipality, user=user, department=department, role=role)


def _seed(ctx: Any) -> None:
    from mado.procedures.models import Procedure

    _staff(ctx)
    rng = random.Random(ctx.seed + 7)  # noqa: S311 - demo data, not secrets
    for code, municipality in ctx.municipalities.items():
        rules = 0
        procedures = list(Procedure.unscoped.filter(municipality=municipality))
        for procedure in procedures:
            if procedure.code == ZERO_DECLARATION:
                rules += seed_zero_declaration_rules(procedure)
        routes = _seed_routes(municipality, procedures)
        made = _demo_cases(municipality, rng) if code == "129992" else 0
        ctx.write(f"  {code}: 審査ルール {rules}件・決裁ルート {routes}件・案件 {made}件 / "
                  "review rules, approval routes, cases")


def _reset(ctx: Any) -> None:
    from mado.casework.models import Case

    Case.unscoped.filter(municipality__in=list(ctx.municipalities.values())).delete()


def register_demo_step() -> None:
    from mado.registry.demo.loader import register_step

    register_step("casework", _seed, order=100, reset=_reset)
