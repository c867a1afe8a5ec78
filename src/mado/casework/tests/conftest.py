"""Fixtures of the casework tests: 税務課 with the 0申告 form, rules, a two-step route, staff."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from mado.casework.demo import ZERO_DECLARATION, seed_route, seed_zero_declaration_rules
from mado.conftest import make_department, make_staff
from mado.eforms import services as eforms
from mado.eforms.demo import FORMS_DIR
from mado.procedures.models import Procedure
from mado.registry.models import TaxSummary
from mado.submissions import services as subs

FORM = json.loads((FORMS_DIR / "shotoku-nashi-shinkoku.json").read_text(encoding="utf-8"))


def fiscal_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


def declaration(resident: Any, **extra: Any) -> dict[str, Any]:
    data = {"name": {"family": resident.family_name, "given": resident.given_name,
                     "family_kana": resident.family_name_kana,
                     "given_kana": resident.given_name_kana},
            "name_kana": resident.full_name_kana, "birth_date": resident.birth_date.isoformat(),
            "address": resident.address, "phone": "0475-00-0000", "email": "taro@example.jp",
            "target_year": str(fiscal_year() - 1), "reason": "unemployed",
            "livelihood": "savings", "has_dependents": False, "declaration": True}
    data.update(extra)
    return data


def file_submission(cw: dict[str, Any], resident: Any, *, link: bool = True,
                    **extra: Any) -> Any:
    """A submitted 0申告 with its case opened."""
    from mado.casework.services import open_case

    identity = {"level": "email", "subject": "taro@example.jp", "email": "taro@example.jp"}
    draft, _ = subs.create_draft(cw["city"], cw["procedure"], cw["version"], channel="web",
                                 identity=identity, resident=resident if link else None)
    sub = subs.submit(draft, declaration(resident, **extra), identity=identity)
    return open_case(sub)


@pytest.fixture
def cw(world: dict[str, Any], settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    city = world["city"]
    zeimu = make_department(city, "zeimu", "税務課")
    procedure = Procedure.unscoped.create(municipality=city, code=ZERO_DECLARATION,
                                          name="市・県民税の申告", department=zeimu)
    version = eforms.import_json(city, FORM, user=None)
    eforms.publish(version, user=None)
    version.refresh_from_db()
    seed_zero_declaration_rules(procedure)
    seed_route(procedure)
    fy = fiscal_year()
    for r, income, arrears in ((world["takahashi"], 0, False), (world["hanako"], 0, False),
                               (world["yamazaki"], 2_400_000, False),
                               (world["watanabe"], 0, True)):
        TaxSummary.unscoped.create(municipality=city, resident=r, fiscal_year=fy,
                                   income=income, has_arrears=arrears)
    return {
        **world, "zeimu": zeimu, "procedure": procedure, "version": version,
        "reviewer": make_staff(city, "zeimu", [(zeimu, "reviewer")]),
        "kakaricho": make_staff(city, "kakaricho", [(zeimu, "approver")]),
        "kacho": make_staff(city, "kacho", [(zeimu, "manager")]),
        "today": dt.date.today(),
    }
