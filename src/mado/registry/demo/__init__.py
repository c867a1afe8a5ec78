"""The synthetic demo city (サンプル市) and the small town (テスト町).

Why a package of its own: the demo, the acceptance tests and the benchmarks all
need the same realistic, fictional registry. :func:`generate` builds it in
memory (pure Python, deterministic for a seed, usable without a database) and
:func:`seed_demo` writes it with departments and staff accounts — what
``mado seed_demo`` runs and what the benchmark harness times. Later apps add
their own demo data with :func:`mado.registry.demo.loader.register_step`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TextIO

from mado.registry.demo.generator import DemoCity, DemoHousehold, DemoResident, generate

__all__ = ["DemoCity", "DemoHousehold", "DemoResident", "generate", "seed_demo"]


def seed_demo(
    residents: int = 30000,
    seed: int = 2026,
    force: bool = False,
    stdout: TextIO | None = None,
    *,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Seed サンプル市 (``residents`` people) and テスト町 (500); see :mod:`.loader`."""
    # Imported here so that ``generate`` works before Django's app registry is ready.
    from mado.registry.demo.loader import seed_demo as _seed_demo

    return _seed_demo(residents, seed, force, stdout, today=today)
