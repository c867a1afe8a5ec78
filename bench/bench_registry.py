"""Registry benchmarks: seeding a 100,000-resident city, and staff search.

Why these baselines:

- Seeding is timed against the way a first importer is usually written, one
  ``save()`` per row (household, resident, each search token, each tax year),
  on a sample of residents copied from the seeded city itself so that both
  sides write the same data, extrapolated linearly to the full size. The
  seeded figure also carries the fixed work (catalogue, staff, テスト町), which
  only makes the comparison harder for Mado.
- Search is timed against ``icontains`` over the name columns, the usual
  first version of a registry search box, with the same municipality, status
  filter, ordering and limit, over the same queries. The recall rows show what
  the naive search misses (variant kanji, hiragana, half-width kana, romaji).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import re
import time
from dataclasses import dataclass
from typing import Any

import jaconv
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from harness import Context, Row, make_row, percentile

from mado.core.codes import municipality_check_digit
from mado.core.models import Municipality
from mado.core.tenancy import use_municipality
from mado.core.text import (
    fold_variants,
    format_wareki,
    katakana_to_romaji,
    parse_date,
    to_hiragana,
)
from mado.core.text.wareki import WarekiError
from mado.registry import my_number
from mado.registry import search as registry_search
from mado.registry import services as registry
from mado.registry.models import Household, ResidentRecord, TaxSummary

DEMO_CITY_NAME = "サンプル市"
SCRATCH_CODE = "47999" + str(municipality_check_digit("47999"))  # not a demo code
_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


def _size_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _demo_city() -> Municipality | None:
    from mado.registry.demo.loader import CITY

    return (Municipality.objects.filter(code=CITY.code).first()
            or Municipality.objects.filter(name=DEMO_CITY_NAME).order_by("pk").first())


def _analyze() -> None:
    """Refresh planner statistics, as an operator does after a bulk load."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


# --- seeding -----------------------------------------------------------------

_SKIP = {"id", "municipality", "household", "created_at", "updated_at",
         "my_number_encrypted", "my_number_hash"}


def _resident_fields(r: ResidentRecord) -> dict[str, Any]:
    return {f.name: getattr(r, f.name) for f in ResidentRecord._meta.concrete_fields
            if f.name not in _SKIP}


def _sample_households(city: Municipality, n: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """Whole households of the seeded city, about ``n`` residents, as plain data."""
    hh_ids = list(Household.unscoped.filter(municipality=city).order_by("pk")
                  .values_list("pk", flat=True)[:n])
    members = (ResidentRecord.unscoped.filter(household_id__in=hh_ids)
               .select_related("household").order_by("household_id", "pk"))
    taxes: dict[int, list[dict[str, Any]]] = {}
    for t in TaxSummary.unscoped.filter(resident__household_id__in=hh_ids):
        taxes.setdefault(t.resident_id, []).append(
            {"fiscal_year": t.fiscal_year, "income": t.income, "taxable": t.taxable,
             "has_arrears": t.has_arrears, "declared": t.declared})
    out: list[tuple[str, list[dict[str, Any]]]] = []
    count = 0
    for r in members:
        if not out or out[-1][0] != r.household.household_number:
            if count >= n:
                break
            out.append((r.household.household_number, []))
        clear = my_number.decrypt(r.my_number_encrypted) if r.my_number_encrypted else ""
        out[-1][1].append({"fields": _resident_fields(r), "my_number": clear,
                           "taxes": taxes.get(r.pk, [])})
        count += 1
    return out


def _wipe(municipality: Municipality) -> None:
    with transaction.atomic():
        TaxSummary.unscoped.filter(municipality=municipality).delete()
        ResidentRecord.unscoped.filter(municipality=municipality).delete()
        Household.unscoped.filter(municipality=municipality).delete()


def _naive_insert(households: list[tuple[str, list[dict[str, Any]]]]) -> tuple[float, int]:
    """Insert the sample one row at a time (autocommit), into a scratch municipality."""
    scratch, _ = Municipality.objects.get_or_create(
        code=SCRATCH_CODE, defaults={"name": "ベンチマーク市", "prefecture": "千葉県"})
    _wipe(scratch)
    n = 0
    try:
        with use_municipality(scratch):
            started = time.perf_counter()
            for number, members in households:
                hh = Household.objects.create(municipality=scratch, household_number=number)
                for m in members:
                    rec = ResidentRecord(municipality=scratch, household=hh, **m["fields"])
                    if m["my_number"]:
                        rec.my_number_encrypted, rec.my_number_hash = (
                            registry.encrypt_my_number(m["my_number"]))
                    rec.save()
                    for token in registry.build_search_tokens(rec):
                        token.save()
                    for tax in m["taxes"]:
                        TaxSummary(municipality=scratch, resident=rec, **tax).save()
                    n += 1
            elapsed = time.perf_counter() - started
    finally:
        _wipe(scratch)
        scratch.delete()
    return elapsed, n


class _LogStream(io.StringIO):
    """A ``stdout`` for seed_demo that passes each line to the bench log, indented."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def write(self, text: str) -> int:
        for line in text.splitlines():
            self.ctx.log(f"  | {line}")
        return len(text)


def bench_seed(ctx: Context) -> list[Row]:
    """``seed_demo`` at full size against per-row ORM saves, extrapolated."""
    from mado.registry.demo import seed_demo

    size = _size_label(ctx.residents)
    ctx.log(f"seed_demo(residents={ctx.residents}, force=True) ...")
    started = time.perf_counter()
    # The seed's own progress lines go to the log as they come (each step with its
    # time), so a slow or failing step shows even when the seed does not finish.
    info = seed_demo(residents=ctx.residents, seed=ctx.seed, force=True,
                     stdout=_LogStream(ctx))
    seconds = time.perf_counter() - started
    city = _demo_city()
    if city is None:
        raise RuntimeError(f"seed_demo did not create {DEMO_CITY_NAME}")
    ctx.state["city"] = city
    count = ResidentRecord.unscoped.filter(municipality=city).count()
    ctx.log(f"{seconds:.1f} s for {count} residents of {city.name}; seconds per step:")
    for step, step_seconds in info.get("timings", {}).items():
        ctx.log(f"  {step:18} {step_seconds:7.2f}")

    sample = _sample_households(city, ctx.naive_sample)
    ctx.log(f"naive per-row save of {sum(len(m) for _, m in sample)} residents ...")
    naive_seconds, n = _naive_insert(sample)
    extrapolated = naive_seconds / n * ctx.residents
    ctx.log(f"{naive_seconds:.1f} s for {n} -> {extrapolated:.0f} s for {ctx.residents}")
    return [make_row(f"seed_{size}", seconds, "s",
                     f"naive_orm_save_{size}_extrapolated", extrapolated)]


# --- search ------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    resident_id: int
    identifying: bool  # a full name or a birth date: the resident should be in the top 50


def _has_kanji(s: str) -> bool:
    return bool(_KANJI.search(s))


def build_queries(city: Municipality, count: int, seed: int) -> list[Query]:
    """A mix of ``count`` queries drawn from real residents, in every script a clerk types."""
    rng = random.Random(seed)
    base = ResidentRecord.unscoped.filter(municipality=city, status="active")
    ids = list(base.values_list("pk", flat=True))
    if not ids:
        raise RuntimeError(f"{city} has no residents to search")
    pool = list(base.filter(pk__in=rng.sample(ids, min(len(ids), count * 3))))
    japanese = [r for r in pool if _has_kanji(r.family_name) and r.family_name_kana]
    # Residents whose name is written with a variant (髙橋, 山﨑 ...): the clerk types 高橋.
    variant = [r for r in base.filter(family_name__regex="[髙﨑邊邉齋齊濵𠮷]")[:count]
               if fold_variants(r.family_name) != r.family_name]
    rng.shuffle(variant)
    kinds = 6
    per = max(1, math.ceil(count / kinds))
    queries: list[Query] = []

    def pick(i: int) -> ResidentRecord:
        return japanese[i % len(japanese)]

    for i in range(per):
        r = variant[i] if i < len(variant) and i % 2 == 0 else pick(i)
        text = fold_variants(r.family_name) if r in variant else r.family_name
        queries.append(Query("kanji_surname", text, r.pk, False))
    for i in range(per):
        r = pick(per + i)
        sep = " " if i % 2 else "　"
        fam = fold_variants(r.family_name) if i % 3 == 0 else r.family_name
        queries.append(Query("kanji_full_name", f"{fam}{sep}{r.given_name}", r.pk, True))
    for i in range(per):
        r = pick(2 * per + i)
        fam, giv = to_hiragana(r.family_name_kana), to_hiragana(r.given_name_kana)
        full = i % 2 == 0 and giv
        queries.append(Query("hiragana", f"{fam} {giv}" if full else fam, r.pk, bool(full)))
    for i in range(per):
        r = pick(3 * per + i)
        fam = jaconv.z2h(r.family_name_kana, kana=True, ascii=False, digit=False)
        giv = jaconv.z2h(r.given_name_kana, kana=True, ascii=False, digit=False)
        full = i % 2 == 0 and giv
        queries.append(Query("halfwidth_kana", f"{fam} {giv}" if full else fam, r.pk,
                             bool(full)))
    for i in range(per):
        r = pick(4 * per + i)
        fam, giv = katakana_to_romaji(r.family_name_kana), katakana_to_romaji(r.given_name_kana)
        full = i % 2 == 0 and giv
        text = f"{fam} {giv}" if full else fam
        queries.append(Query("romaji", text.title() if i % 3 == 0 else text, r.pk, bool(full)))
    for i in range(per):
        r = pool[(5 * per + i) % len(pool)]
        queries.append(Query("wareki_birth_date", format_wareki(r.birth_date), r.pk, True))
    rng.shuffle(queries)
    return queries


def naive_search(city: Municipality, q: str, limit: int = 50) -> QuerySet[ResidentRecord]:
    """The baseline: ``icontains`` on the name columns, each space-separated part ANDed."""
    qs = ResidentRecord.unscoped.filter(municipality=city, status="active")
    for part in q.replace("　", " ").split():
        try:
            date: dt.date | None = parse_date(part)
        except (WarekiError, ValueError):
            date = None
        if date is not None:
            qs = qs.filter(birth_date=date)
            continue
        qs = qs.filter(Q(family_name__icontains=part) | Q(given_name__icontains=part)
                       | Q(family_name_kana__icontains=part)
                       | Q(given_name_kana__icontains=part))
    return qs.select_related("household").order_by(
        "family_name_kana", "given_name_kana", "pk")[:limit]


_percentile = percentile


def _timed(fn: Any) -> tuple[float, list[ResidentRecord]]:
    started = time.perf_counter()
    result = list(fn())
    return (time.perf_counter() - started) * 1000, result


def bench_search(ctx: Context) -> list[Row]:
    """p50/p95 latency and recall of registry search against ``icontains``."""
    city = ctx.state.get("city") or _demo_city()
    if city is None or not ResidentRecord.unscoped.filter(municipality=city).exists():
        from mado.registry.demo import seed_demo

        ctx.log(f"no demo city yet: seeding {ctx.residents} residents (not timed) ...")
        seed_demo(residents=ctx.residents, seed=ctx.seed, stdout=io.StringIO())
        city = _demo_city()
    _analyze()
    queries = build_queries(city, ctx.queries, ctx.seed)
    ctx.log(f"{len(queries)} queries on {city.name} "
            f"({ResidentRecord.unscoped.filter(municipality=city).count()} residents)")

    for q in queries[:30]:  # warm caches and connections for both sides
        list(registry_search.search(city, q.text))
        list(naive_search(city, q.text))

    mado_ms: list[float] = []
    naive_ms: list[float] = []
    found = {"mado": 0, "naive": 0}
    identifying = 0
    by_kind: dict[str, dict[str, list[float]]] = {}
    for q in queries:
        ms, got = _timed(lambda q=q: registry_search.search(city, q.text))
        mado_ms.append(ms)
        nms, ngot = _timed(lambda q=q: naive_search(city, q.text))
        naive_ms.append(nms)
        hit = any(r.pk == q.resident_id for r in got)
        stats = by_kind.setdefault(q.kind, {"mado": [], "naive": [], "hits": []})
        stats["mado"].append(ms)
        stats["naive"].append(nms)
        stats["hits"].append(float(hit))
        if q.identifying:
            identifying += 1
            found["mado"] += hit
            found["naive"] += any(r.pk == q.resident_id for r in ngot)
    ctx.log(f"{'kind':18} {'n':>4} {'p95 ms':>8} {'naive p95':>10}  intended resident in top 50")
    for kind, st in sorted(by_kind.items()):
        ctx.log(f"{kind:18} {len(st['mado']):4} {_percentile(st['mado'], 95):8.1f} "
                f"{_percentile(st['naive'], 95):10.1f}  {int(sum(st['hits']))}")

    recall = found["mado"] / identifying if identifying else 0.0
    naive_recall = found["naive"] / identifying if identifying else 0.0
    return [
        make_row("registry_search_p95", _percentile(mado_ms, 95), "ms",
                 "naive_icontains_scan_p95", _percentile(naive_ms, 95)),
        make_row("registry_search_p50", _percentile(mado_ms, 50), "ms",
                 "naive_icontains_scan_p50", _percentile(naive_ms, 50)),
        make_row("registry_search_recall", recall, "ratio",
                 "naive_icontains_recall", naive_recall, higher_is_better=True),
    ]
