"""Shared pieces of the benchmark harness: result rows and the run context.

Kept apart from ``run.py`` so that benchmark modules (``bench_<area>.py``)
import them without importing the entry script a second time.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO


@dataclass
class Row:
    """One line of ``latest.json``: a figure and its baseline from the same run."""

    name: str
    value: float
    unit: str
    baseline_name: str
    baseline_value: float
    ratio: float


def make_row(
    name: str,
    value: float,
    unit: str,
    baseline_name: str,
    baseline_value: float,
    *,
    higher_is_better: bool = False,
) -> Row:
    """A row whose ratio reads "how many times better than the baseline".

    For times (lower is better) that is baseline / value; for rates such as
    recall (higher is better) value / baseline.
    """
    if higher_is_better:
        ratio = value / baseline_value if baseline_value else 0.0
    else:
        ratio = baseline_value / value if value else 0.0
    return Row(name, round(value, 4), unit, baseline_name, round(baseline_value, 4),
               round(ratio, 2))


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 300 samples is the 285th smallest)."""
    ordered = sorted(values)
    k = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return ordered[k]


@dataclass
class Context:
    """What every benchmark may use; ``state`` carries data from one to the next."""

    residents: int
    seed: int
    queries: int
    naive_sample: int
    out: TextIO = sys.stdout
    state: dict[str, Any] = field(default_factory=dict)

    def log(self, message: str) -> None:
        print(f"  {message}", file=self.out, flush=True)
