"""Schemathesis over /api/v1/openapi.json: no 5xx, and every answer matches the document.

Why: the API is what kiosks, a future LINE channel and other systems build on;
its OpenAPI document is the contract they generate clients from. Schemathesis
reads the document the running app serves (loaded through the WSGI app, no
server), generates schema-valid and schema-violating requests for every
operation, with a staff token of サンプル市 and with no token, and checks each
response: never a server error, a status code, content type, headers and body
the document declares, and no success without a token where one is required.

Bounded for CI: ``MADO_FUZZ_EXAMPLES`` examples per operation, auth and mode
(default 15), derandomised (the same requests on every run, so a failure is
reproducible), no example database. The whole file takes about a minute.

Deliberately not run: ``positive_data_acceptance`` (the API validates more than
a JSON schema can say — a 和暦 birth date, a known life event — and answers
400/422, which is right) and ``negative_data_rejection`` (unknown query
parameters are ignored, as in most HTTP APIs; type errors are covered by
test_malformed_input.py).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks as core_checks
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from mado.api.router import api

EXAMPLES = int(os.environ.get("MADO_FUZZ_EXAMPLES", "15"))
CHECKS = [
    core_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.ignored_auth,
]
OPERATIONS = [
    (method.upper(), path)
    for path, operations in api.get_openapi_schema()["paths"].items()
    for method in operations
]


def test_the_fuzzed_document_is_the_served_one(client: Any, db: Any) -> None:
    """The parametrisation below comes from the api object; it must be what clients get."""
    served = client.get("/api/v1/openapi.json").json()
    assert served["paths"] == json.loads(json.dumps(api.get_openapi_schema()["paths"]))
    assert len(OPERATIONS) >= 13


def _fuzz(operation: Any, headers: dict[str, str], mode: GenerationMode) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_survives_schemathesis(api_world: dict[str, Any], method: str, path: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    operation = schema[path][method]
    failures: list[str] = []
    for token in (api_world["city_token"], None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, headers, mode)
            except Unsatisfiable:
                # Nothing schema-violating exists to send (e.g. a free-text path segment):
                # acceptable for the negative mode only.
                if mode is GenerationMode.POSITIVE:
                    raise
            except BaseExceptionGroup as exc:  # schemathesis' FailureGroup
                auth = "staff token" if token else "no token"
                failures.append(f"--- {method} {path} ({auth}, {mode.value}) ---\n{exc}")
    assert not failures, "\n\n".join(failures)
