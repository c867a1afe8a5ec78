"""Load: 200 virtual users on a mixed journey for 5 minutes, p95 and errors (issue 8).

Goal: 0 errors and p95 < 300 ms at 200 concurrent virtual users, gunicorn
and PostgreSQL on this 2-core machine.

Method. The gunicorn server of the throughput benchmark
(:class:`bench_throughput.Server`: 4 sync workers, ``bench/bench_settings.py``)
serves the demo city. ``bench/locustfile.py`` describes the journey (portal,
procedure search, navigator plan, JSON submission, a signed-in resident's
/my/ and receipt, the staff API with a token) and locust runs it headless in
a subprocess (gevent must not patch this process, which holds Django's
database connection). Statistics are reset once all users are running, so
the p95 is the one at full load. Before that, after a short discarded
warm-up, the same journey with a single user and no think time gives the
baseline: the p95 of the requests themselves when nobody queues.

Setup (not timed): the demo city is seeded when missing, a staff API token
is issued to the demo account ``madoguchi``, and ``SIGNED_IN`` residents get
a verified e-mail identity in a server-side session and one submitted
application each, so /my/ shows real receipts.

Knobs: ``MADO_LOAD_USERS`` (default 200), ``MADO_LOAD_SECONDS`` (default 300),
``MADO_LOAD_WAIT`` (think time "min,max" seconds, default "1,3"). The load
test runs in ``make bench`` only, never in ``make test``.

Limitation: locust shares the 2 CPUs with gunicorn and PostgreSQL (one core
at most, gevent); a separate load machine would leave the server more CPU.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from bench_throughput import BODY, CITY, FORM_CODE, Server, _ensure_demo_form
from harness import Context, Row, make_row

BENCH_DIR = Path(__file__).resolve().parent
LOCUSTFILE = BENCH_DIR / "locustfile.py"
SIGNED_IN = 20
STAFF_USER = "madoguchi"


@dataclass
class LoadRow(Row):
    """A result row with the error count of the run (CONTRACT row + ``errors``)."""

    errors: int = 0


@dataclass
class LocustResult:
    requests: int
    failures: int
    p95_ms: float
    rps: float
    failures_text: str
    endpoints: list[str]  # "name: count, p50, p95" per request name, slowest p95 first


def _settings() -> tuple[int, int, str]:
    users = int(os.environ.get("MADO_LOAD_USERS", "200"))
    seconds = int(os.environ.get("MADO_LOAD_SECONDS", "300"))
    wait = os.environ.get("MADO_LOAD_WAIT", "1,3")
    return users, seconds, wait


def _staff_token() -> str:
    from django.contrib.auth import get_user_model

    from mado.core.services import issue_token

    user = get_user_model().objects.get(username=STAFF_USER)
    return issue_token(user, "load-bench")


def _signed_in_sessions(n: int) -> list[str]:
    """``n`` residents signed in by verified e-mail, each with one submitted application."""
    from django.conf import settings

    from mado.apply.engine import find_form
    from mado.core.models import Municipality
    from mado.identity.services import SESSION_KEY
    from mado.submissions import services as submissions

    city = Municipality.objects.get(code=CITY)
    form = find_form(city, FORM_CODE)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    pairs = []
    for i in range(n):
        email = f"load{i:03d}@example.jp"
        identity = {"level": "email", "email": email, "subject": email, "municipality": CITY}
        sub, _ = submissions.create_draft(city, form.procedure, form.version, channel="web",
                                          identity=identity)
        sub = submissions.submit(sub, dict(BODY["values"]), identity=identity)
        session = store()
        session[SESSION_KEY] = {"identity": identity, "at": sub.submitted_at.isoformat()}
        session.create()
        pairs.append(f"{session.session_key}:{sub.pk}")
    return pairs


def _run_locust(port: int, users: int, seconds: int, wait: str, env_extra: dict[str, str],
                workdir: Path, label: str) -> LocustResult:
    prefix = workdir / label
    env = dict(os.environ, MADO_LOAD_WAIT=wait, **env_extra)
    spawn_rate = max(1, users // 10)  # all users running after ~10 s
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
           "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s",
           "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--reset-stats",
           "--only-summary", "--stop-timeout", "10", "--exit-code-on-error", "0",
           "--loglevel", "WARNING"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True,
                          timeout=seconds + 180, check=False)
    stats = Path(f"{prefix}_stats.csv")
    if done.returncode != 0 or not stats.exists():
        raise RuntimeError(f"locust failed ({done.returncode}): {done.stderr[-2000:]}")
    with stats.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    named = sorted((r for r in rows if r["Name"] != "Aggregated" and r["95%"] != "N/A"),
                   key=lambda r: -float(r["95%"]))
    endpoints = [f"{r.get('Type', '')} {r['Name']}: {r['Request Count']} requests, p50 {r['50%']} ms, "
                 f"p95 {r['95%']} ms" for r in named]
    failures = Path(f"{prefix}_failures.csv")
    text = failures.read_text(encoding="utf-8") if failures.exists() else ""
    return LocustResult(int(total["Request Count"]), int(total["Failure Count"]),
                        float(total["95%"] if total["95%"] != "N/A" else 0),
                        float(total["Requests/s"]), text, endpoints)


def bench_load(ctx: Context) -> list[Row]:
    from django.db import connection

    users, seconds, wait = _settings()
    _ensure_demo_form(ctx)
    env_extra = {"MADO_LOAD_TOKEN": _staff_token(),
                 "MADO_LOAD_SESSIONS": ",".join(_signed_in_sessions(SIGNED_IN))}
    connection.close()  # the server's workers open their own connections
    workdir = Path(tempfile.mkdtemp(prefix="mado-bench-load-"))
    server = Server(workdir / "gunicorn.log")
    try:
        server.wait_ready()
        baseline_seconds = max(10, min(30, seconds // 10))
        ctx.log(f"gunicorn on 127.0.0.1:{server.port}; warm-up, single user without think "
                f"time for {baseline_seconds} s, then {users} users for {seconds} s "
                f"(think time {wait} s)")
        # Warm-up (discarded): every worker imports its views and fills its caches.
        _run_locust(server.port, 8, 5, "0,0", env_extra, workdir, "warmup")
        single = _run_locust(server.port, 1, baseline_seconds, "0,0", env_extra, workdir,
                             "single")
        ctx.log(f"single user: p95 {single.p95_ms:g} ms, {single.requests} requests, "
                f"{single.failures} errors")
        load = _run_locust(server.port, users, seconds, wait, env_extra, workdir, "load")
        ctx.log(f"{users} users: p95 {load.p95_ms:g} ms, {load.rps:.0f} req/s, "
                f"{load.requests} requests, {load.failures} errors (goal: 0 errors, p95 < 300)")
        for line in load.endpoints:
            ctx.log(f"  {line}")
        if load.failures or single.failures:
            ctx.log("failures:\n" + (load.failures_text or single.failures_text)[:2000])
    except Exception:
        ctx.log(f"gunicorn log: {server.tail()}")
        raise
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    base = make_row("load", load.p95_ms, "ms", "single_user_p95", single.p95_ms)
    errors = make_row("load_errors", load.failures, "errors", "single_user_errors",
                      single.failures)
    return [LoadRow(**vars(base), errors=load.failures),
            LoadRow(**vars(errors), errors=load.failures)]
