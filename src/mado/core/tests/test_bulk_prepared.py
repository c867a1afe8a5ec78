"""core.bulk (rows without model instances) and core.prepared (server-prepared statements).

Both sit under the busiest write paths, so what they store must be exactly
what the ORM stores, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from mado.core import bulk, prepared
from mado.core.models import Municipality
from mado.submissions.models import ServiceEvent

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))

_FIELDS = ("municipality_id", "at", "kind", "channel", "procedure_code", "fields_prefilled",
           "fields_typed", "duration_ms", "payment_method", "detail", "submission_id")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6)
    | st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=8),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=4).filter(lambda k: "\x00" not in k), inner, max_size=3),
    max_leaves=8,
)


def _city() -> Municipality:
    city, _ = Municipality.objects.get_or_create(
        code="129992", defaults={"name": "サンプル市", "prefecture": "千葉県"})
    return city


@hsettings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    at=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                    timezones=st.just(JST)),
    kind=st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                 max_size=40),
    duration=st.none() | st.integers(0, 2**31 - 1),
    detail=st.dictionaries(st.text(max_size=6).filter(lambda k: "\x00" not in k), json_values,
                           max_size=4),
)
def test_insert_rows_stores_what_the_orm_stores(
    at: dt.datetime, kind: str, duration: int | None, detail: dict[str, Any]
) -> None:
    city = _city()
    values = {"municipality_id": city.pk, "at": at, "kind": kind, "channel": "web",
              "procedure_code": "髙-1", "fields_typed": 3, "duration_ms": duration,
              "detail": detail}
    ServiceEvent.unscoped.all().delete()
    orm = ServiceEvent.unscoped.create(**values)
    assert bulk.insert_rows(ServiceEvent, [values, values]) == 2
    rows = list(ServiceEvent.unscoped.order_by("pk").values_list(*_FIELDS))
    assert rows[1] == rows[0] and rows[2] == rows[0]  # defaults filled as the ORM fills them
    assert rows[0][1] == at and rows[0][9] == detail
    assert orm.pk == ServiceEvent.unscoped.order_by("pk").first().pk


def test_insert_select_puts_an_expression_in_place_of_a_value() -> None:
    city = _city()
    sql, params = bulk.insert_select(
        ServiceEvent,
        {"municipality_id": city.pk, "kind": "ignored", "at": dt.datetime(2026, 4, 1, tzinfo=JST)},
        {"kind": ("(%s || %s)", ["form_", "started"])},
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
    event = ServiceEvent.unscoped.get()
    assert event.kind == "form_started" and event.detail == {} and event.fields_typed == 0


def test_prepared_cursor_is_a_django_cursor() -> None:
    """Errors as Django's exceptions; logged with their SQL (unprepared while logging)."""
    city = _city()
    with CaptureQueriesContext(connection) as seen, prepared.cursor() as cur:
        assert not prepared.enabled()
        cur.execute("SELECT code FROM core_municipality WHERE id = %s", [city.pk])
        assert cur.fetchone()[0] == "129992"
    assert any(f"WHERE id = {city.pk}" in q["sql"] for q in seen.captured_queries)
    with prepared.cursor() as cur:
        cur.execute("SELECT code FROM core_municipality WHERE id = %s", [city.pk])
        assert cur.fetchone()[0] == "129992"
    with pytest.raises(IntegrityError), prepared.cursor() as cur:
        cur.execute(
            "INSERT INTO core_municipality (code, name, prefecture, is_active) "
            "VALUES (%s, %s, %s, %s)", ["129992", "重複市", "千葉県", True])


def _prepared_statements() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cur.fetchall()]


def test_statements_are_prepared_once_on_postgresql(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    text = "SELECT %s + 40 AS answer"
    for n in (1, 2, 3):
        with prepared.cursor() as cur:
            cur.execute(text, [n])
            assert cur.fetchone()[0] == 40 + n
    assert sum("+ 40 AS answer" in s for s in _prepared_statements()) == 1
    # Django's own cursors still bind on the client and never prepare.
    with connection.cursor() as cur:
        cur.execute("SELECT %s + 41 AS other", [1])
    assert not any("+ 41 AS other" in s for s in _prepared_statements())


def test_preparing_can_be_turned_off(settings: Any) -> None:
    settings.MADO_DB_PREPARE = False
    assert not prepared.enabled()
    with prepared.cursor() as cur:
        cur.execute("SELECT %s + 42 AS off", [1])
        assert cur.fetchone()[0] == 43
    if connection.vendor == "postgresql":
        assert not any("+ 42 AS off" in s for s in _prepared_statements())
