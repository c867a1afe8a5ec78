"""PostgreSQL restarts under a running gunicorn: requests succeed again without touching the app.

Why: a database restart (minor-version update, failover, a crashed backend)
must not need an operator to restart Mado. Settings use persistent
connections (CONN_MAX_AGE=60) with ``conn_health_checks``: a worker whose
connection died notices it at the start of the next request and reconnects.

Runs only on PostgreSQL from ``scripts/pg-throwaway.sh`` (the test restarts the
server: it refuses any cluster that the script did not create) and as a user
that may run its ``pg_ctl`` (root → the postgres user, as the script does).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

pytestmark = [
    # Decided before any fixture commits rows: SQLite's flush cannot empty the audit log.
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs a scripts/pg-throwaway.sh PostgreSQL cluster"),
    pytest.mark.django_db(transaction=True),
]
PATH = "/api/v1/procedures"


def _throwaway_data_dir() -> Path | None:
    """The data directory when it belongs to a pg-throwaway.sh cluster, else None."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        try:
            cur.execute("SHOW data_directory")
        except Exception:  # not allowed to read it: not our cluster
            return None
        data = Path(cur.fetchone()[0])
    home = data.parent
    marks = [home / "cluster.env", home / "initdb.log"]
    return data if data.name == "data" and any(m.exists() for m in marks) else None


def _pg_ctl(data: Path, *args: str) -> None:
    with connection.cursor() as cur:
        cur.execute("SHOW server_version_num")
        major = int(cur.fetchone()[0]) // 10000
    # -l: the server's output goes to the cluster's log, not to our (then never closed) pipes.
    cmd = [f"/usr/lib/postgresql/{major}/bin/pg_ctl", "-D", str(data),
           "-l", str(data.parent / "server.log"), *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,  # noqa: S603
                   stderr=subprocess.DEVNULL, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int) -> int:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", PATH, headers={"Host": "127.0.0.1"})
        status = conn.getresponse().status
        conn.close()
        return status
    except (OSError, http.client.HTTPException):
        return 0


def test_requests_succeed_again_after_a_database_restart(world: dict[str, Any]) -> None:
    data = _throwaway_data_dir()
    if data is None:
        pytest.skip("needs a scripts/pg-throwaway.sh PostgreSQL cluster (DATABASE_URL)")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="mado.settings",
               MADO_DEFAULT_MUNICIPALITY=world["city"].code, MADO_DEBUG="0")
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "mado.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while _get(port) != 200:
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.2)
        before = [_get(port) for _ in range(20)]  # every worker holds a connection now
        assert before == [200] * 20

        _pg_ctl(data, "restart", "-m", "fast", "-w", "-t", "60")
        connection.close()  # this test's own connection died with the server too

        after = [_get(port) for _ in range(40)]
        assert after == [200] * 40, after  # the first request after the restart included
        assert server.poll() is None  # the same gunicorn, never restarted
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
