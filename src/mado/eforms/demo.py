"""Seed step for ``mado seed_demo``: publish the demo forms (data/forms/*.json).

Runs after the catalogue step, because each form binds to a catalogue
procedure. Re-running publishes nothing new when the published definition
is unchanged, so ``make demo`` stays idempotent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FORMS_DIR = Path(__file__).parent / "data" / "forms"


def demo_definitions() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(FORMS_DIR.glob("*.json"))]


def publish_demo_forms(municipality: Any) -> int:
    """Import and publish every demo form for a municipality; returns how many changed."""
    from mado.eforms import services

    changed = 0
    for definition in demo_definitions():
        current = services.current_version(municipality, definition["code"])
        if current is not None and current.definition == definition:
            continue
        version = services.import_json(municipality, definition, user=None)
        services.publish(version, user=None)
        changed += 1
    return changed


def _seed_forms(ctx: Any) -> None:
    for code, municipality in ctx.municipalities.items():
        n = publish_demo_forms(municipality)
        ctx.write(f"  {code}: 様式 {n} 件を公開 / forms published")


def _reset_forms(ctx: Any) -> None:
    """Demo submissions refer to residents: remove them before the registry is rebuilt."""
    from mado.core.models import Municipality
    from mado.submissions.models import Attachment, ServiceEvent, StatusChange, Submission

    codes = [m for m in ("129992", "129984")]
    munis = list(Municipality.objects.filter(code__in=codes))
    for model in (StatusChange, Attachment, ServiceEvent):
        model.unscoped.filter(municipality__in=munis).delete()
    Submission.unscoped.filter(municipality__in=munis).delete()


def register_demo_step() -> None:
    from mado.registry.demo.loader import register_step

    register_step("forms", _seed_forms, order=60, reset=_reset_forms)
