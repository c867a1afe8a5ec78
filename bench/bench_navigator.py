"""Navigator benchmark: ``POST /api/v1/navigator/plan`` p95 on the seeded catalogue.

The measured path is the whole API request in process (routing, JSON,
validation, the cached compiled catalogue, the plan, the signed guide-sheet
URL). The baseline answers the same requests the straightforward way: load
the procedures from the database and compile every rule on every request.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from django.conf import settings
from django.test import Client
from harness import Context, Row, make_row, percentile

from mado.core.models import Municipality
from mado.procedures.facts import FACTS, LIFE_EVENTS, rule_specs
from mado.procedures.models import Procedure
from mado.procedures.rules import compile_rule


def _random_facts(rng: random.Random) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for fact in FACTS:
        if rng.random() < 0.4:
            continue
        if fact.type == "bool":
            facts[fact.key] = rng.random() < 0.5
        elif fact.type == "int":
            facts[fact.key] = rng.randint(max(fact.minimum, 0), min(fact.maximum, 5))
        elif fact.type == "int_list":
            facts[fact.key] = [rng.randint(0, 17) for _ in range(rng.randint(0, 3))]
    return facts


def requests(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events = list(LIFE_EVENTS)
    return [{"life_event": rng.choice(events), "facts": _random_facts(rng)} for _ in range(count)]


def naive_plan(municipality: Municipality, body: dict[str, Any]) -> list[str]:
    """Load and compile everything per request (what a first implementation would do)."""
    specs = rule_specs()
    env = dict(body["facts"], life_event=body["life_event"])
    out = []
    for p in Procedure.unscoped.filter(municipality=municipality, is_active=True).select_related(
        "department"
    ):
        if body["life_event"] not in (p.life_events or []):
            continue
        if not p.rules:
            out.append(p.code)
            continue
        for r in p.rules:
            if compile_rule(r["when"], specs).evaluate(env) is True:
                out.append(p.code)
                break
    return out


def bench_plan(ctx: Context) -> list[Row]:
    city = ctx.state.get("city") or Municipality.objects.filter(code="129992").first()
    if city is None or not Procedure.unscoped.filter(municipality=city).exists():
        from mado.registry.demo import seed_demo

        ctx.log("seeding the demo city for the navigator benchmark (not timed) ...")
        seed_demo(residents=min(ctx.residents, 2000), seed=ctx.seed, force=True)
        city = Municipality.objects.get(code="129992")
    settings.MADO_DEFAULT_MUNICIPALITY = city.code
    client = Client()
    bodies = requests(max(ctx.queries, 300), ctx.seed)
    client.post("/api/v1/navigator/plan", json.dumps(bodies[0]), content_type="application/json")
    times: list[float] = []
    for body in bodies:
        started = time.perf_counter()
        r = client.post("/api/v1/navigator/plan", json.dumps(body), content_type="application/json")
        times.append((time.perf_counter() - started) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"plan failed: {r.status_code} {r.content[:200]!r}")
    naive: list[float] = []
    for body in bodies:
        started = time.perf_counter()
        naive_plan(city, body)
        naive.append((time.perf_counter() - started) * 1000)
    p95, base = percentile(times, 95), percentile(naive, 95)
    n = Procedure.unscoped.filter(municipality=city).count()
    ctx.log(f"{len(bodies)} plans over {n} procedures: API p95 {p95:.2f} ms, "
            f"naive uncached p95 {base:.2f} ms")
    return [make_row("navigator_plan_p95", p95, "ms", "naive_uncached_plan_p95", base)]
