"""Malformed input to every API endpoint gets a JSON 4xx, never a 5xx (issue 8).

Why: whatever a broken kiosk, a scanner or an attacker sends — truncated JSON,
a body bigger than Django will read, NUL bytes, impossible dates, wrong types,
``../`` in an id — the answer must be a clear error in the API's shape
(``{"detail", "errors"}``), not a traceback or a 500 that pages the operator.
The endpoints come from the ninja api object (:mod:`.endpoints`), so a new
endpoint is fuzzed here without anyone adding it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.test import Client

from mado.api.tests.endpoints import Operation, operations, path_values, valid_body, valid_query

OPS = operations()
BODY_OPS = [op for op in OPS if op.has_body]
QUERY_OPS = [op for op in OPS if op.query_params]
PATH_OPS = [op for op in OPS if op.path_params]

BAD_JSON = [
    b'{"life_event": ',  # truncated
    b"\xff\xfe\x00{",  # not UTF-8
    b"null", b"[]", b'"text"', b"123", b"true",  # valid JSON, wrong shape
    b"[" * 50_000 + b"]" * 50_000,  # nesting deeper than the JSON parser's recursion limit
    b'{"a": 1e999999}',  # a number that overflows to infinity
    b'{"\\ud800": "\\udfff"}',  # lone surrogates
]
BAD_DATES = ["2026-02-30", "令和99年13月32日", "0000-00-00", "99999-01-01", "H31.5.1",
             "明治0年1月1日", "2026-1-1T25:61", "\x00", "１９８０年２月３０日"]  # fmt: skip
WRONG_TYPES: list[Any] = [None, True, -1, 10**30, 1.5, "x" * 5000, [], ["a", 1], {}, {"a": [None]}]
PATH_TRICKS = [
    "..", "%2e%2e", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2f..%2fsettings.py", "%00", "a%00b",
    "9" * 40, "-1", "0", "x" * 5000, "髙橋", "%F0%9F%98%80", "%ff%fe", "%20", "1.5", "1e3",
    "00000000-0000-0000-0000-000000000000", "%25%32%65",
]  # fmt: skip


def _assert_json_4xx(response: Any, what: str) -> None:
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    assert response["Content-Type"].startswith("application/json"), what
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], what
    assert isinstance(body.get("errors"), list), what


def _assert_no_5xx(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    if response.status_code >= 400:
        _assert_json_4xx(response, what)


def _client(world: dict[str, Any]) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {world['city_token']}")


def _send(client: Client, op: Operation, url: str, body: Any = None, **query: Any) -> Any:
    if op.method == "GET":
        return client.get(url, query)
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False)
    return client.generic(op.method, url, data, content_type="application/json")


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path, value


def _replaced(body: Any, path: tuple[Any, ...], new: Any) -> Any:
    out = copy.deepcopy(body)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return out


def test_every_endpoint_is_described(api_world: dict[str, Any]) -> None:
    """A new path parameter or body endpoint must get a sample in endpoints.py."""
    values = path_values(api_world)
    for op in OPS:
        missing = set(op.path_params) - set(values)
        assert not missing, f"{op.label}: add a サンプル市 value for {missing} to endpoints.path_values"
        if op.has_body:
            valid_body(op, api_world)  # KeyError names the endpoint to describe


def test_the_samples_are_accepted(api_world: dict[str, Any]) -> None:
    """Positive control: without this, a 4xx below could be for the wrong reason."""
    client, values = _client(api_world), path_values(api_world)
    for op in OPS:
        body = valid_body(op, api_world) if op.has_body else None
        response = _send(client, op, op.url(**values), body, **valid_query(op))
        assert response.status_code in (200, 201), f"{op.label}: {response.content[:300]!r}"


def test_malformed_json_bodies(api_world: dict[str, Any]) -> None:
    client, values = _client(api_world), path_values(api_world)
    for op, raw in ((op, raw) for op in BODY_OPS for raw in BAD_JSON):
        _assert_json_4xx(_send(client, op, op.url(**values), raw), f"{op.label} {raw[:30]!r}")
        form = client.generic(op.method, op.url(**values), raw, content_type="text/plain")
        _assert_json_4xx(form, f"{op.label} text/plain {raw[:30]!r}")


def test_bodies_over_the_upload_limit(api_world: dict[str, Any]) -> None:
    client, values = _client(api_world), path_values(api_world)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440
    for op in BODY_OPS:
        body = _replaced(valid_body(op, api_world), next(iter(_leaves(valid_body(op, api_world))))[0], "あ" * limit)
        response = _send(client, op, op.url(**values), body)
        _assert_json_4xx(response, f"{op.label} body of {limit * 3} bytes")
    # a GET with a huge query string
    for op in QUERY_OPS:
        name = next(iter(op.query_params))
        response = _send(client, op, op.url(**values), **{name: "x" * 100_000})
        _assert_no_5xx(response, f"{op.label} ?{name}=100k")


def test_nul_bytes_in_every_string(api_world: dict[str, Any]) -> None:
    client, values = _client(api_world), path_values(api_world)
    for op in BODY_OPS:
        body = valid_body(op, api_world)
        for path, leaf in _leaves(body):
            if isinstance(leaf, str):
                for bad in ("\x00", leaf + "\x00", "\x00" * 3 + leaf):
                    response = _send(client, op, op.url(**values), _replaced(body, path, bad))
                    _assert_no_5xx(response, f"{op.label} {path}={bad!r}")
        for key in ("\x00", "a\x00b"):
            with_key = {**body, key: "x"} if isinstance(body, dict) else body
            _assert_no_5xx(_send(client, op, op.url(**values), with_key), f"{op.label} key {key!r}")
    for op in QUERY_OPS:
        for name in op.query_params:
            query = {**valid_query(op), name: "た\x00か"}
            _assert_no_5xx(_send(client, op, op.url(**values), **query), f"{op.label} ?{name}=NUL")


def test_invalid_dates(api_world: dict[str, Any]) -> None:
    client, values = _client(api_world), path_values(api_world)
    residents = next(op for op in OPS if op.path == "/api/v1/residents")
    for bad in BAD_DATES:
        response = _send(client, residents, residents.path, q="", birth_date=bad)
        _assert_no_5xx(response, f"birth_date={bad!r}")
    for op in BODY_OPS:
        body = valid_body(op, api_world)
        for path, _leaf in _leaves(body):
            if "date" in str(path[-1]):
                for bad in BAD_DATES:
                    response = _send(client, op, op.url(**values), _replaced(body, path, bad))
                    _assert_json_4xx(response, f"{op.label} {path}={bad!r}")


def test_wrong_types_everywhere(api_world: dict[str, Any]) -> None:
    client, values = _client(api_world), path_values(api_world)
    for op in BODY_OPS:
        body = valid_body(op, api_world)
        paths = [p for p, _ in _leaves(body)] + [(k,) for k in body]
        for path in paths:
            for wrong in WRONG_TYPES:
                response = _send(client, op, op.url(**values), _replaced(body, path, wrong))
                _assert_no_5xx(response, f"{op.label} {path}={wrong!r:.40}")
    for op in QUERY_OPS:
        for name, kind in op.query_params.items():
            for wrong in ("abc", "1e999", "-1", str(2**70), "", "[]", "%00"):
                response = _send(client, op, op.url(**values), **{**valid_query(op), name: wrong})
                _assert_no_5xx(response, f"{op.label} ?{name}={wrong!r}")
                if kind == "integer" and wrong in ("abc", "1e999", "[]"):
                    _assert_json_4xx(response, f"{op.label} ?{name}={wrong!r}")


def test_path_tricks_in_every_id(api_world: dict[str, Any]) -> None:
    client, values = _client(api_world), path_values(api_world)
    for op, trick in ((op, trick) for op in PATH_OPS for trick in PATH_TRICKS):
        for name in op.path_params:
            url = op.url(**{**values, name: trick})
            body = valid_body(op, api_world) if op.has_body else None
            response = _send(client, op, url, body)
            _assert_json_4xx(response, f"{op.label} {name}={trick!r}")


BAD_AUTH = ["Bearer", "Bearer ", "Bearer \x00", "Bearer " + "x" * 10_000, "Basic dXNlcjpwdw==",
            "Bearer 髙橋", "Bearer a b c", "Token x"]  # fmt: skip


def test_bad_authorization_headers(api_world: dict[str, Any]) -> None:
    values = path_values(api_world)
    for op, header in ((op, header) for op in OPS for header in BAD_AUTH):
        client = Client(HTTP_AUTHORIZATION=header)
        body = valid_body(op, api_world) if op.has_body else None
        response = _send(client, op, op.url(**values), body, **valid_query(op))
        _assert_json_4xx(response, f"{op.label} Authorization: {header[:30]!r}")
        assert response.status_code == 401, op.label
