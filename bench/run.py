"""Mado benchmarks: every figure beside its baseline, measured in the same run.

Why this shape: a number alone says little on a machine nobody else has. Each
benchmark therefore times Mado's way of doing something *and* the obvious
naive way on the same database in the same run, and the goals of the DX plans
are written as the ratio between the two and as absolute limits (see
docs/benchmarks.md). The results go to ``bench/results/latest.json`` in the
format of ../shared/CONTRACT.md ("Benchmarks") and a table is printed.

Run with ``make bench`` (PostgreSQL, a throwaway cluster if needed) or
``.venv/bin/python bench/run.py [--residents N] [--only seed,search]`` with
``DATABASE_URL`` set. SQLite is refused unless ``--allow-sqlite``: figures
measured on the embedded demo database say nothing about production.

Adding a benchmark: write a function ``(ctx: Context) -> list[Row]`` in a
``bench/bench_<area>.py`` module and list it in :data:`BENCHMARKS`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results" / "latest.json"
sys.path.insert(0, str(BENCH_DIR))

from harness import Context, Row  # noqa: E402

Benchmark = Callable[[Context], list[Row]]


# (short name, module in bench/, function): run in this order (search uses seed's city).
# A module not present yet is skipped with a note, so areas can land one at a time.
BENCHMARK_TABLE: list[tuple[str, str, str]] = [
    ("seed", "bench_registry", "bench_seed"),
    ("search", "bench_registry", "bench_search"),
    ("plan", "bench_navigator", "bench_plan"),
    ("forms", "bench_eforms", "bench_form_validation"),
    ("throughput", "bench_throughput", "bench_submission_throughput"),
    ("reconcile", "bench_payments", "bench_reconcile"),
    ("counter_pdf", "bench_counter", "bench_counter_pdf"),
    ("review", "bench_casework", "bench_auto_review"),
    ("inbox", "bench_casework", "bench_inbox"),
    ("load", "bench_load", "bench_load"),
]


def _benchmarks() -> dict[str, Benchmark]:
    """Benchmarks by short name, in the order they run (modules not present are left out)."""
    import importlib

    found: dict[str, Benchmark] = {}
    for name, module_name, function in BENCHMARK_TABLE:
        if not (BENCH_DIR / f"{module_name}.py").exists():
            continue
        found[name] = getattr(importlib.import_module(module_name), function)
    return found


# Goals from the issues, shown in the table (not part of the JSON contract).
GOALS: dict[str, tuple[str, float]] = {
    "seed_100k": ("<", 60.0),
    "registry_search_p95": ("<", 30.0),
    "navigator_plan_p95": ("<", 20.0),
    "form_validation_p95": ("<", 20.0),
    "submission_throughput_ratio": (">", 0.5),
    "reconcile_100k": ("<", 5.0),
    "reconcile_speedup": (">", 20.0),
    "counter_pdf_bundle": ("<", 500.0),
    "auto_review_15k": ("<", 30.0),
    "auto_review_speedup": (">", 20.0),
    "inbox_list_p95": ("<", 50.0),
    "load": ("<", 300.0),
    "load_errors": ("<", 1.0),
}


def _goal_text(row: Row) -> str:
    goal = GOALS.get(row.name)
    if goal is None:
        return ""
    op, limit = goal
    ok = row.value < limit if op == "<" else row.value > limit
    return f"{op} {limit:g} {'OK' if ok else 'NG'}"


def database_label() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT version()")
            words = cur.fetchone()[0].split()
            return " ".join(words[:2])  # "PostgreSQL 15.18"
        if connection.vendor == "sqlite":
            cur.execute("SELECT sqlite_version()")
            return f"SQLite {cur.fetchone()[0]}"
    return connection.vendor


def print_table(rows: list[Row], out: TextIO) -> None:
    headers = ["name", "value", "unit", "baseline", "baseline value", "ratio", "goal"]
    body = [
        [r.name, f"{r.value:g}", r.unit, r.baseline_name, f"{r.baseline_value:g}",
         f"{r.ratio:g}x", _goal_text(r)]
        for r in rows
    ]
    widths = [max([len(h)] + [len(b[i]) for b in body]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line, file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for b in body:
        print("  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)), file=out)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Mado benchmarks (see docs/benchmarks.md)")
    p.add_argument("--residents", type=int, default=100_000,
                   help="size of the seeded registry (default 100000)")
    p.add_argument("--seed", type=int, default=2026, help="random seed of the demo data")
    p.add_argument("--queries", type=int, default=360,
                   help="number of search queries (at least 300 for a stable p95)")
    p.add_argument("--naive-sample", type=int, default=2000,
                   help="residents inserted row by row for the naive seeding baseline")
    p.add_argument("--only", default="",
                   help="comma-separated benchmarks to run (default: all)")
    p.add_argument("--allow-sqlite", action="store_true",
                   help="run on SQLite anyway (figures are not comparable)")
    p.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.environ.get("MADO_ENV") == "production":
        print("本番環境(MADO_ENV=production)ではベンチマークを実行できません。デモ市を作り直すためです。\n"
              "Refusing to benchmark with MADO_ENV=production: it rebuilds the demo city.",
              file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mado.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql" and not args.allow_sqlite:
        print("ベンチマークは PostgreSQL で計測します。DATABASE_URL を設定するか、PostgreSQL を"
              "インストールして `make bench` を実行してください(一時クラスタを自動で起動します)。\n"
              "Benchmarks run on PostgreSQL: set DATABASE_URL, or install PostgreSQL and run "
              "`make bench` (it starts a throwaway cluster). Use --allow-sqlite to run anyway.",
              file=sys.stderr)
        return 2

    available = _benchmarks()
    wanted = [n.strip() for n in args.only.split(",") if n.strip()] or list(available)
    unknown = [n for n in wanted if n not in available]
    if unknown:
        print(f"不明なベンチマーク / unknown benchmark: {', '.join(unknown)} "
              f"(available: {', '.join(available)})", file=sys.stderr)
        return 2

    out = sys.stdout
    database = database_label()
    print(f"Mado benchmarks on {database}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}", file=out)
    call_command("migrate", interactive=False, verbosity=0)
    ctx = Context(residents=args.residents, seed=args.seed, queries=args.queries,
                  naive_sample=args.naive_sample, out=out)
    rows: list[Row] = []
    failed: list[str] = []
    for name in wanted:
        print(f"[{name}]", file=out, flush=True)
        started = time.perf_counter()
        try:
            rows += available[name](ctx)
        except Exception:
            traceback.print_exc()
            failed.append(name)
        ctx.log(f"({time.perf_counter() - started:.1f} s)")

    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "database": database},
        "results": [asdict(r) for r in rows],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                           encoding="utf-8")
    print("", file=out)
    print_table(rows, out)
    print(f"\n-> {args.output}", file=out)
    if failed:
        print(f"失敗したベンチマーク / failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
