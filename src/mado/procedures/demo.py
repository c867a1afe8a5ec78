"""Seed step for ``mado seed_demo``: the standard catalogue for every demo municipality."""

from __future__ import annotations

from typing import Any


def _seed_catalogue(ctx: Any) -> None:
    from mado.procedures.services import seed_standard_catalogue

    for code, municipality in ctx.municipalities.items():
        report = seed_standard_catalogue(municipality)
        if not report.ok:
            raise RuntimeError(
                f"標準カタログの誤り / standard catalogue errors: {report.errors[:3]}"
            )
        ctx.write(f"  {code}: 手続 {report.created + report.updated} 件 / procedures")


def register_demo_step() -> None:
    from mado.registry.demo.loader import register_step

    register_step("procedures", _seed_catalogue, order=50)
