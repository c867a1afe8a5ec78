"""URLConf of the throughput benchmark: the project's URLs plus ``POST /bench/bare-insert/``.

The bare view is the baseline of ``submission_throughput_rps``: the least a
Django view that stores a POSTed JSON body can do (read the body, one INSERT
in autocommit, a small JSON answer), behind the same middleware as every other
page. Its table ``bench_bare`` is created with raw SQL when the benchmark
starts and dropped at the end, so it is in no migration.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mado.urls import urlpatterns as project_urlpatterns


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO bench_bare (payload) VALUES (%s::jsonb) RETURNING id",
            [request.body.decode("utf-8")],
        )
        (row_id,) = cur.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [path("bench/bare-insert/", bare_insert), *project_urlpatterns]
