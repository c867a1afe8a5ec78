"""Settings of the throughput benchmark's gunicorn server (bench/bench_throughput.py).

The project's settings plus one change that matters: the URLConf is
``bench_urls`` (the project's URLs and one bare insert view), so nothing
bench-only ships in the application. DEBUG is off as in production (DEBUG
keeps every SQL query in memory and would slow both sides). The demo city is
the tenant of every request without a token.
"""

from mado.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
MADO_DEFAULT_MUNICIPALITY = "129992"
# The throughput benchmark sends 50 clients' POSTs from 127.0.0.1: the per-IP
# limits that protect resident endpoints would answer 429. Raised, not removed.
MADO_RATE_LIMITS = {**MADO_RATE_LIMITS, "api_submit": (1_000_000, 60), "apply": (1_000_000, 60)}  # noqa: F405

# The load test's 200 users all come from 127.0.0.1, where real residents come
# from as many addresses: the per-address rate limits (mado.core.ratelimit)
# would refuse what is a normal hour for the city. Each scope keeps its window
# and the middleware still runs; only the ceiling is that of many addresses.
MADO_RATE_LIMITS = {
    scope: (None if limit is None else (limit[0] * 1000, limit[1]))
    for scope, limit in MADO_RATE_LIMITS.items()
}
