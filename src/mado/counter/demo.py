"""Seed step for ``mado seed_demo``: publish the counter's own forms (counter/forms/*.json).

Why the counter brings forms: the move procedures (転居届, 国保・児童手当の住所
変更 ...) are counter-only in the catalogue, so no online form existed for
them, yet the no-writing counter prints each one filled in. They are plain
form definitions (data, not code), published through eforms like any other,
so the form builder can edit them. Order 90: after the catalogue (50) and the
demo forms (60). Idempotent like the eforms step.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FORMS_DIR = Path(__file__).parent / "forms"


def counter_definitions() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(FORMS_DIR.glob("*.json"))]


def publish_counter_forms(municipality: Any) -> int:
    """Import and publish every counter form whose procedure is in the catalogue; returns changes."""
    from mado.eforms import services
    from mado.procedures.models import Procedure

    known = set(
        Procedure.unscoped.filter(municipality=municipality).values_list("code", flat=True)
    )
    changed = 0
    for definition in counter_definitions():
        if definition.get("procedure") not in known:
            continue
        current = services.current_version(municipality, definition["code"])
        if current is not None and current.definition == definition:
            continue
        version = services.import_json(municipality, definition, user=None)
        services.publish(version, user=None)
        changed += 1
    return changed


def _seed(ctx: Any) -> None:
    for code, municipality in ctx.municipalities.items():
        n = publish_counter_forms(municipality)
        ctx.write(f"  {code}: 窓口様式 {n} 件を公開 / counter forms published")


def register_demo_step() -> None:
    from mado.registry.demo.loader import register_step

    register_step("counter_forms", _seed, order=90)
