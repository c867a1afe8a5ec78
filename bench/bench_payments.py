"""Payments benchmark: reconciling (消込) 100,000 payment records against expected payments.

Why this baseline: the first version of an importer is usually a loop that,
for each line of the bank file, fetches the payment by reference with the
ORM, compares the amount and saves it — one or two round trips per record.
Mado's import does the same classification and booking set-based: one read,
one statement that books the payments and writes their events, and a COPY of
the lines on a second connection at the same time (see
src/mado/payments/reconcile/matching.py and parallel.py). Both sides parse the same CSV
layout. The loop is run on a sample (``--naive-sample``, default 2,000
records, against 2,000 payments of their own) and extrapolated linearly to
100,000: per-record work does not get cheaper with more records, so the
extrapolation flatters the baseline if anything. The loop writes no
ServiceEvent and no audit entry; Mado's import writes both, so the ratio is
conservative.

Data: a bench municipality (not a demo code) with 100,000 pending payments
created in bulk (untimed) and a file of 100,000 records, of which a few
hundred are unmatched, duplicate (in the file or already paid), short, over
or carry a wrong check digit. The unmatched records and their reasons are
logged. Everything is deleted afterwards except the municipality row and
its audit entries (the audit log is append-only by design).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from harness import Context, Row, make_row

from mado.core.codes import municipality_check_digit
from mado.core.models import Municipality
from mado.core.tenancy import use_municipality
from mado.payments.models import Payment, PaymentStatus
from mado.payments.reconcile import services as reconcile
from mado.payments.reconcile.models import EXCEPTION_OUTCOMES, Outcome, PaymentFile, PaymentLine
from mado.payments.reconcile.parsers import BANK_HEADER, parse_file
from mado.payments.services import new_reference
from mado.submissions.models import ServiceEvent

BENCH_CODE = "47998" + str(municipality_check_digit("47998"))  # not a demo code
RECORDS = 100_000
AMOUNTS = (200, 300, 350, 400, 750, 1000, 1500, 3000)
# (kind, how many) of the exceptions mixed into the file
# Payers (half-width katakana, as banks send them), days, channels and banks vary per line.
FAMILY = ("ﾔﾏﾀﾞ", "ｻﾄｳ", "ｽｽﾞｷ", "ﾀｶﾊｼ", "ﾀﾅｶ", "ﾜﾀﾅﾍﾞ", "ｲﾄｳ", "ﾅｶﾑﾗ", "ｺﾊﾞﾔｼ", "ｶﾄｳ",
          "ﾖｼﾀﾞ", "ﾔﾏﾓﾄ", "ｻｻｷ", "ﾔﾏｸﾞﾁ", "ﾏﾂﾓﾄ", "ｲﾉｳｴ", "ｷﾑﾗ", "ﾊﾔｼ", "ｼﾐｽﾞ", "ﾔﾏｻﾞｷ",
          "ﾓﾘ", "ｲｹﾀﾞ", "ﾊｼﾓﾄ", "ｱﾍﾞ", "ｲｼｶﾜ", "ﾔﾏｼﾀ", "ﾅｶｼﾞﾏ", "ｲｼｲ", "ｵｶﾞﾜ", "ﾏｴﾀﾞ")
GIVEN = ("ﾀﾛｳ", "ﾊﾅｺ", "ｼﾞﾛｳ", "ﾕｳｺ", "ｹﾝｼﾞ", "ﾐﾄﾞﾘ", "ﾋﾛｼ", "ｻﾁｺ", "ﾀﾞｲｽｹ", "ﾒｸﾞﾐ",
         "ｼｮｳﾀ", "ｱﾔ", "ﾕｳｷ", "ﾉﾘｺ", "ﾏｻﾙ", "ｴﾐ", "ｶｽﾞｵ", "ﾘｮｳｺ", "ﾂﾖｼ", "ﾁｴ",
         "ｻﾄｼ", "ﾏｷ", "ﾃﾂﾔ", "ﾅｵﾐ", "ｺｳｼﾞ", "ｱｹﾐ", "ｼｭﾝ", "ﾖｳｺ", "ﾏｺﾄ", "ﾐﾎ")
CHANNELS = ("01", "02", "03", "04", "05")
BANKS = ("0001", "0005", "0009", "")
MIX = {"unmatched": 150, "already_paid": 100, "twice_in_file": 100, "short": 100, "over": 50,
       "bad_check_digit": 50}


def _municipality() -> Municipality:
    m, _ = Municipality.objects.get_or_create(
        code=BENCH_CODE, defaults={"name": "ベンチマーク収納市", "prefecture": "千葉県"})
    return m


def _wipe(m: Municipality) -> None:
    with transaction.atomic():
        ServiceEvent.unscoped.filter(municipality=m).delete()
        PaymentLine.unscoped.filter(municipality=m).delete()
        PaymentFile.unscoped.filter(municipality=m).delete()
        Payment.unscoped.filter(municipality=m).delete()


def _expected(m: Municipality, n: int, rng: random.Random) -> list[tuple[str, int]]:
    refs: set[str] = set()
    while len(refs) < n:
        refs.add(new_reference())
    pairs = [(ref, rng.choice(AMOUNTS)) for ref in sorted(refs)]
    now = dt.datetime.now(dt.UTC)
    Payment.unscoped.bulk_create(
        [Payment(municipality=m, reference=ref, description="ベンチマーク手数料", amount_yen=yen,
                 channel="slip", procedure_code="bench", created_at=now) for ref, yen in pairs],
        batch_size=5000)
    return pairs


def _file(pairs: list[tuple[str, int]], rng: random.Random, *, mix: bool) -> tuple[bytes, int]:
    """A bank / eL-QR-style file paying ``pairs``; with ``mix`` some records are exceptions."""
    records = [(ref, yen) for ref, yen in pairs]
    if mix:
        rng.shuffle(records)
        i = 0
        for kind, count in MIX.items():
            for _ in range(count):
                ref, yen = records[i]
                if kind == "unmatched":
                    records[i] = (new_reference(), yen)
                elif kind == "twice_in_file":
                    records[i] = records[i + 1]
                elif kind == "short":
                    records[i] = (ref, yen - 100)
                elif kind == "over":
                    records[i] = (ref, yen + 100)
                elif kind == "bad_check_digit":
                    records[i] = (ref[:12] + str((int(ref[12]) + 1) % 10), yen)
                i += 2 if kind == "twice_in_file" else 1
    lines = [",".join(BANK_HEADER)]
    names = [f"{family} {given}" for family in FAMILY for given in GIVEN]  # 900 half-width names
    lines += [f"D,{ref},{names[i % len(names)]},2026040{1 + i % 3},{yen},{CHANNELS[i % 5]},"
              f"{BANKS[i % 4]}" for i, (ref, yen) in enumerate(records)]
    lines.append(f"T,{len(records)},,,{sum(y for _, y in records)},,")
    return ("\r\n".join(lines) + "\r\n").encode("cp932"), len(records)


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (local server only).

    Logged beside the wall time: on a shared machine the wall time depends on
    the other processes, the CPU time much less.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # not on this machine (or no /proc)
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _analyze() -> None:
    """VACUUM ANALYZE the whole database (untimed) before a timed run.

    The payments were just bulk-loaded, and the earlier benchmarks left
    tables that autovacuum would otherwise pick up during the timed import,
    on the same two CPUs. In a city's database autovacuum keeps up between
    bursts; this puts the bench database in that state, for Mado's import
    and the baseline loop alike.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")


def _orm_loop(m: Municipality, data: bytes) -> tuple[float, dict[str, int]]:
    """The naive importer: parse, then get / compare / save one record at a time.

    Run as the municipality (the tenant manager filters by it), so each get uses
    the (municipality, reference) unique index, as a real importer's would.
    """
    counts: dict[str, int] = {}
    started = time.perf_counter()
    parsed = parse_file(data)
    with transaction.atomic(), use_municipality(m):
        for rec in parsed.records:
            try:
                p = Payment.objects.get(reference=rec.reference)
            except Payment.DoesNotExist:
                outcome = "unmatched"
            else:
                if p.status == PaymentStatus.PAID:
                    outcome = "duplicate"
                elif rec.amount_yen != p.amount_yen:
                    outcome = "short" if rec.amount_yen < p.amount_yen else "over"
                else:
                    p.status, p.method, p.paid_at = PaymentStatus.PAID, rec.method, rec.paid_at
                    p.save()
                    outcome = "matched"
            counts[outcome] = counts.get(outcome, 0) + 1
    return time.perf_counter() - started, counts


def bench_reconcile(ctx: Context) -> list[Row]:
    """Import + match 100,000 records set-based, against a per-record ORM loop, extrapolated."""
    rng = random.Random(ctx.seed)
    m = _municipality()
    _wipe(m)
    try:
        ctx.log(f"creating {RECORDS:,} expected payments in {m.name} (untimed) ...")
        pairs = _expected(m, RECORDS, rng)
        data, n = _file(pairs, rng, mix=True)
        already = [ref for ref, _ in rng.sample(pairs, MIX["already_paid"] * 3)]
        Payment.unscoped.filter(reference__in=already[: MIX["already_paid"]]).update(
            status=PaymentStatus.PAID, method="card", paid_at=dt.datetime.now(dt.UTC))
        _analyze()
        ctx.log(f"importing a file of {n:,} records ({len(data) / 1e6:.1f} MB, cp932) ...")
        cpu_before = (time.process_time(), _backend_cpu())
        started = time.perf_counter()
        result = reconcile.import_file(m, data, filename="bench-100k.csv")
        seconds = time.perf_counter() - started
        cpu_py, cpu_pg = time.process_time() - cpu_before[0], _backend_cpu()
        counts = dict(sorted(result.counts.items()))
        ctx.log(f"{seconds:.2f} s; outcomes {counts}; line errors {result.error_count}")
        stages = getattr(result, "stage_seconds", {})
        ctx.log("stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items())
                + f" (before the parse: hash, duplicate check {seconds - sum(stages.values()):.2f} s)")
        if cpu_pg is not None and cpu_before[1] is not None:
            ctx.log(f"CPU time: Python {cpu_py:.2f} s + PostgreSQL backend {cpu_pg - cpu_before[1]:.2f}"
                    f" s = {cpu_py + cpu_pg - cpu_before[1]:.2f} s (wall {seconds:.2f} s; the"
                    " difference is waiting: other processes on the CPUs, WAL flush)")
        _log_exceptions(ctx, result)

        sample = min(ctx.naive_sample, RECORDS)
        ctx.log(f"naive per-record ORM loop on {sample:,} records ...")
        sample_pairs = _expected(m, sample, rng)
        _analyze()
        sample_data, _ = _file(sample_pairs, rng, mix=False)
        naive_seconds, naive_counts = _orm_loop(m, sample_data)
        extrapolated = naive_seconds / sample * RECORDS
        ctx.log(f"{naive_seconds:.2f} s for {sample:,} ({naive_counts}) -> "
                f"{extrapolated:.1f} s for {RECORDS:,}")
    finally:
        _wipe(m)
    size = f"{RECORDS // 1000}k"
    speedup = extrapolated / seconds if seconds else 0.0
    return [
        make_row(f"reconcile_{size}", seconds, "s", f"orm_loop_{size}_extrapolated", extrapolated),
        make_row("reconcile_speedup", speedup, "ratio", "goal_min_ratio", 20.0,
                 higher_is_better=True),
    ]


def _log_exceptions(ctx: Context, result: Any) -> None:
    lines = (PaymentLine.unscoped.filter(file=result, outcome__in=EXCEPTION_OUTCOMES)
             .order_by("line_no"))
    by_reason: dict[str, int] = {}
    for outcome in lines.values_list("outcome", flat=True):
        by_reason[outcome] = by_reason.get(outcome, 0) + 1
    ctx.log("exceptions by reason: " + ", ".join(
        f"{Outcome(o).label} ({o}) {n}" for o, n in sorted(by_reason.items())))
    for line in lines.filter(outcome=Outcome.UNMATCHED)[:5]:
        ctx.log(f"  e.g. line {line.line_no}: {line.reference} ¥{line.amount_yen:,} "
                f"-> {Outcome(line.outcome).label}")
