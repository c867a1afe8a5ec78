"""Back-office benchmarks: bulk automatic review of 0申告 and the inbox listing.

``bench_auto_review``: 15,000 0申告 (所得のない方の申告) submissions of the demo
city's residents, each with its case, are reviewed against the registry and
the tax ledger by ``casework.review.review_cases`` (set-based: a few queries
and bulk writes per chunk of 2,000). The baseline is the per-case ORM path
``review_one`` (the case page's button: load the case, its submission, the
resident and the tax rows, save, one timeline row) run on a sample of
:data:`BASELINE_SAMPLE` cases and extrapolated linearly to 15,000 — running it
on all 15,000 would take minutes and measure nothing more (its cost per case is
constant). Goals: < 30 s and > 20× faster. Every referral must carry a reason
(checked; the benchmark fails otherwise).

``bench_inbox``: 100,000 cases spread over the demo city's departments (bulk
inserted, untimed); the inbox of a reviewer of 税務課 is listed
:data:`INBOX_QUERIES` times with varied filters (open cases, a status, overdue,
assigned to me, later pages) through ``casework.inbox.list_inbox``; the figure
is the p95 in ms (goal < 50 ms). Before timing, the inbox's counts per status
(read from the case's copy of the status) are checked against a count over the
submissions; the run fails if they differ. Baseline: the naive listing a view
would do without care — the same filters, then one query per row for its
submission, procedure and assignee (N+1), and ``len()`` over the whole result
to count.

The rows made here are deleted at the end (the demo city stays as it was).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from harness import Context, Row, make_row, percentile

CITY = "129992"
REVIEW_CASES = 15_000
BASELINE_SAMPLE = 300
INBOX_CASES = 100_000
INBOX_QUERIES = 300
BATCH = 5000
TAG = "bench-casework"


def _city(ctx: Context) -> Any:
    from mado.core.models import Municipality
    from mado.eforms.services import current_version

    city = Municipality.objects.filter(code=CITY).first()
    if city is None or current_version(city, "shotoku-nashi-shinkoku") is None:
        from mado.registry.demo import seed_demo

        ctx.log("seeding the demo city (not timed) ...")
        seed_demo(residents=min(ctx.residents, 20_000), seed=ctx.seed, force=True)
        city = Municipality.objects.get(code=CITY)
    return city


def _insert(city: Any, n: int, *, zero_declaration: bool, rng: random.Random) -> list[int]:
    """Bulk-insert ``n`` submitted submissions with their cases; returns the case ids."""
    from django.db import transaction
    from django.utils import timezone

    from mado.casework import services as cw
    from mado.casework.demo import seed_route, seed_zero_declaration_rules
    from mado.casework.models import Case
    from mado.eforms.services import current_version
    from mado.procedures.models import Procedure
    from mado.registry.models import ResidentRecord
    from mado.submissions.models import Submission

    version = current_version(city, "shotoku-nashi-shinkoku")
    zero = version.form.procedure
    seed_zero_declaration_rules(zero)
    seed_route(zero)
    procedures = [zero] if zero_declaration else list(Procedure.unscoped.filter(municipality=city))
    residents = list(ResidentRecord.unscoped.filter(municipality=city).values_list(
        "pk", "family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date"))
    today = timezone.localdate()
    fy = today.year if today.month >= 4 else today.year - 1
    statuses = ["submitted", "accepted", "in_review", "returned", "approved", "completed"]
    start = Submission.unscoped.filter(municipality=city).count()
    ids: list[int] = []
    now = timezone.now()
    for offset in range(0, n, BATCH):
        subs = []
        for i in range(offset, min(n, offset + BATCH)):
            rid, fam, giv, fk, gk, birth = rng.choice(residents)
            proc = procedures[i % len(procedures)]
            data = {"name": {"family": fam, "given": giv, "family_kana": fk, "given_kana": gk},
                    "name_kana": f"{fk} {gk}", "birth_date": birth.isoformat(),
                    "target_year": str(fy - 1), "reason": "unemployed",
                    "livelihood": "savings", "has_dependents": rng.random() < 0.03,
                    "declaration": True, "bench": TAG}
            subs.append(Submission(
                municipality=city, procedure=proc, form_version=version if proc == zero else None,
                channel=rng.choice(["web", "web", "counter", "national_portal"]),
                status="submitted" if zero_declaration else rng.choice(statuses),
                data=data, resident_id=rid, receipt_number=f"Z{start + i:09d}",
                submitted_at=now - dt.timedelta(days=rng.randint(0, 60)),
                identity_subject=TAG))
        with transaction.atomic():
            Submission.unscoped.bulk_create(subs, batch_size=1000)
    cw.ensure_cases(city, batch=BATCH)
    from django.db import connection

    if connection.vendor == "postgresql":
        # Fresh statistics and visibility map, as autovacuum gives after a bulk insert
        # (the inbox counts are index-only scans; without it they read the heap too).
        with connection.cursor() as cursor:
            for model in (Case, Submission):
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
            cursor.execute("ANALYZE")
    ids = list(Case.unscoped.filter(municipality=city, submission__identity_subject=TAG)
               .values_list("pk", flat=True))
    return ids


def _cleanup(city: Any) -> None:
    from mado.casework.models import Case, CaseEvent
    from mado.submissions.models import Submission

    cases = Case.unscoped.filter(municipality=city, submission__identity_subject=TAG)
    CaseEvent.unscoped.filter(case__in=cases).delete()
    cases.delete()
    Submission.unscoped.filter(municipality=city, identity_subject=TAG).delete()


def bench_auto_review(ctx: Context) -> list[Row]:
    from mado.casework.models import Case, ReviewOutcome
    from mado.casework.review import review_cases, review_one

    city = _city(ctx)
    rng = random.Random(ctx.seed)
    _cleanup(city)
    ctx.log(f"inserting {REVIEW_CASES:,} 0申告 submissions with cases (not timed) ...")
    ids = _insert(city, REVIEW_CASES, zero_declaration=True, rng=rng)
    try:
        started = time.perf_counter()
        summary = review_cases(ids)
        bulk = time.perf_counter() - started
        ctx.log(f"bulk: {summary.reviewed:,} reviewed in {bulk:.2f} s "
                f"(pass {summary.passed:,}, refer {summary.referred:,})")
        for reason, n in sorted(summary.reasons.items(), key=lambda kv: -kv[1])[:5]:
            ctx.log(f"  {n:>6,} × {reason}")
        unexplained = Case.unscoped.filter(pk__in=ids, review_outcome=ReviewOutcome.REFER,
                                           review_reasons=[]).count()
        if summary.reviewed != len(ids) or unexplained:
            raise RuntimeError(f"review incomplete or referrals without reason ({unexplained})")
        sample = rng.sample(ids, min(BASELINE_SAMPLE, len(ids)))
        started = time.perf_counter()
        for pk in sample:
            review_one(Case.objects.select_related("submission").get(pk=pk))
        per_case = (time.perf_counter() - started) / len(sample)
        naive = per_case * len(ids)
        ctx.log(f"per-case ORM loop: {per_case * 1000:.2f} ms/case → {naive:.1f} s extrapolated")
    finally:
        _cleanup(city)
    return [
        make_row("auto_review_15k", bulk, "s", "per_case_orm_loop_15k", naive),
        make_row("auto_review_speedup", naive / bulk, "x", "goal", 20.0, higher_is_better=True),
    ]


def _naive_list(user: Any, query: Any, ids: set[int]) -> int:
    from mado.casework import inbox

    qs = inbox.filtered(user, query, ids).filter(
        status__in=inbox.OPEN_FOR_STAFF).order_by("due_date", "id")
    total = len(list(qs.values_list("pk", flat=True)))
    for case in list(qs[:query.per_page]):
        _ = (case.submission.receipt_number, case.procedure.name,
             case.assignee.username if case.assignee_id else "")
    return total


def _check_counts(user: Any, ids: set[int], city: Any) -> None:
    """The inbox counts (on the case's copy of the status) must equal the submissions'."""
    from django.db.models import Count

    from mado.casework import inbox
    from mado.submissions.models import Submission

    counts = inbox.status_counts(inbox.filtered(user, inbox.InboxQuery(), ids))
    direct = dict(Submission.unscoped.filter(municipality=city, case__department_id__in=ids)
                  .values_list("status").annotate(n=Count("pk")))
    if counts != direct:
        raise RuntimeError(f"inbox counts {counts} differ from the submissions' {direct}")


def bench_inbox(ctx: Context) -> list[Row]:
    from django.contrib.auth import get_user_model

    from mado.casework import inbox
    from mado.casework import services as cw
    from mado.casework.models import Case
    from mado.core.models import Department, StaffMembership, StaffProfile

    city = _city(ctx)
    rng = random.Random(ctx.seed + 1)
    _cleanup(city)
    have = Case.unscoped.filter(municipality=city).count()
    ctx.log(f"inserting {INBOX_CASES - have:,} cases (not timed) ...")
    _insert(city, max(0, INBOX_CASES - have), zero_declaration=False, rng=rng)
    user, _ = get_user_model().objects.get_or_create(username="bench-inbox")
    StaffProfile.objects.get_or_create(user=user, defaults={"municipality": city})
    zeimu = Department.unscoped.get(municipality=city, code="zeimu")
    StaffMembership.unscoped.get_or_create(municipality=city, user=user, department=zeimu,
                                           role="reviewer")
    Case.unscoped.filter(municipality=city, department=zeimu, pk__in=Case.unscoped.filter(
        municipality=city, department=zeimu).values("pk")[:200]).update(assignee=user)
    try:
        ids = cw.case_department_ids(user)
        total = Case.unscoped.filter(municipality=city).count()
        ctx.log(f"{total:,} cases in the city; inbox of 税務課: "
                f"{Case.unscoped.filter(department=zeimu).count():,}")
        _check_counts(user, ids, city)
        variants = [{}, {"status": "accepted"}, {"due": "overdue"}, {"assignee": "me"},
                    {"page": "3"}, {"status": "in_review", "channel": "web"}]
        times: list[float] = []
        for i in range(INBOX_QUERIES):
            query = inbox.InboxQuery.from_params(variants[i % len(variants)])
            started = time.perf_counter()
            inbox.list_inbox(user, query, ids)
            times.append((time.perf_counter() - started) * 1000)
        naive: list[float] = []
        for i in range(max(30, INBOX_QUERIES // 10)):
            query = inbox.InboxQuery.from_params(variants[i % len(variants)])
            started = time.perf_counter()
            _naive_list(user, query, ids)
            naive.append((time.perf_counter() - started) * 1000)
    finally:
        _cleanup(city)
        user.delete()
    p95, naive_p95 = percentile(times, 95), percentile(naive, 95)
    ctx.log(f"inbox p95 {p95:.1f} ms; naive N+1 listing p95 {naive_p95:.1f} ms")
    return [make_row("inbox_list_p95", p95, "ms", "naive_n_plus_1_p95", naive_p95)]
