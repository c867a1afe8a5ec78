"""Plain multi-row INSERTs for hot batch paths, without model instances.

Why: ``bulk_create`` builds a model instance per row and runs every value
through the compiler's expression machinery; for a batch of small rows that
is most of the cost (about 0.3 ms per row, measured on the deferred
submission completion). :func:`insert_rows` takes dicts keyed by field
``attname``, fills the model's defaults, converts each value once with the
field's own ``get_db_prep_save`` (so JSON, dates and time zones are stored
exactly as the ORM stores them, on PostgreSQL and SQLite alike) and sends one
``executemany``. No signals are sent and no primary keys are returned: use it
only where the caller does not need either (a test compares the rows with
the ORM's).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

from mado.core import prepared

__all__ = ["insert_row", "insert_rows", "insert_select", "insert_statement", "row_values"]

# Types whose Python value is what the driver stores (no conversion needed).
_AS_IS = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "EmailField",
    "ForeignKey", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SlugField", "SmallIntegerField", "TextField", "OneToOneField",
}
_GENERATED = {"AutoField", "BigAutoField", "SmallAutoField"}
_Column = tuple[str, models.Field, bool]
_PLANS: dict[tuple[str, type[models.Model]], tuple[str, list[_Column]]] = {}


def _plan(model: type[models.Model]) -> tuple[str, list[_Column]]:
    key = (connection.vendor, model)
    plan = _PLANS.get(key)
    if plan is None:
        # Every column but a database-generated primary key (a OneToOne primary key is data).
        fields = [f for f in model._meta.concrete_fields
                  if not (f.primary_key and f.get_internal_type() in _GENERATED)]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
        plan = _PLANS[key] = (
            sql,
            [(f.attname, f, f.get_internal_type() in _AS_IS) for f in fields],
        )
    return plan


def _values(row: Mapping[str, Any], fields: list[_Column], db: Any) -> tuple[Any, ...]:
    values = []
    for attname, field, as_is in fields:
        if attname in row:
            value = row[attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now()
        else:
            value = field.get_default()
        values.append(value if as_is else field.get_db_prep_save(value, db))
    return tuple(values)


MAX_PARAMS = 30_000  # per statement; PostgreSQL allows 65,535 and SQLite 32,766


def insert_rows(model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> int:
    """INSERT ``rows`` (dicts by attname; missing fields get their defaults); return the count.

    One multi-row ``INSERT … VALUES (…), (…)`` per chunk: the server parses and
    plans one statement per table and batch instead of one per row.
    """
    sql, fields = _plan(model)
    if connection.vendor == "postgresql":
        return _insert_json(model, fields, rows)
    db = connections[DEFAULT_DB_ALIAS]  # the real wrapper, not the per-call proxy
    params = [_values(row, fields, db) for row in rows]
    if not params:
        return 0
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    head = sql[: sql.rindex(" VALUES ")]
    per_chunk = max(1, MAX_PARAMS // max(1, len(fields)))
    with connection.cursor() as cur:
        for start in range(0, len(params), per_chunk):
            chunk = params[start:start + per_chunk]
            cur.execute(f"{head} VALUES {', '.join([one] * len(chunk))}",
                        [value for row in chunk for value in row])
    return len(params)


def insert_row(model: type[models.Model], row: Mapping[str, Any]) -> int:
    """INSERT one row and return its primary key (``RETURNING``: PostgreSQL, SQLite >= 3.35)."""
    sql, fields = _plan(model)
    pk = connection.ops.quote_name(model._meta.pk.column)
    db = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cur:
        cur.execute(f"{sql} RETURNING {pk}", _values(row, fields, db))
        return int(cur.fetchone()[0])


def insert_statement(model: type[models.Model]) -> str:
    """The ``INSERT … VALUES (%s, …)`` of :func:`insert_rows`, for callers composing SQL."""
    return _plan(model)[0]


def insert_select(
    model: type[models.Model],
    row: Mapping[str, Any],
    replace: Mapping[str, tuple[str, list[Any]]],
) -> tuple[str, list[Any]]:
    """``INSERT INTO t (…) VALUES (…)`` for one row, some columns given as SQL expressions.

    ``replace`` maps an attname to ``(sql, params)`` used instead of the
    row's value (a scalar subquery over a CTE, say). Returns the statement
    and its parameters in placeholder order, for callers composing SQL.
    """
    sql, fields = _plan(model)
    values = _values(row, fields, connections[DEFAULT_DB_ALIAS])
    items: list[str] = []
    params: list[Any] = []
    for (attname, _field, _as_is), value in zip(fields, values, strict=True):
        if attname in replace:
            expression, extra = replace[attname]
            items.append(expression)
            params.extend(extra)
        else:
            items.append("%s")
            params.append(value)
    head = sql[: sql.rindex(" VALUES ")]
    return f"{head} VALUES ({', '.join(items)})", params


def row_values(model: type[models.Model], row: Mapping[str, Any]) -> tuple[Any, ...]:
    """The parameters of :func:`insert_statement` for one row (defaults filled, converted)."""
    return _values(row, _plan(model)[1], connections[DEFAULT_DB_ALIAS])


def _insert_json(model: type[models.Model], fields: list[_Column],
                 rows: Iterable[Mapping[str, Any]]) -> int:
    """PostgreSQL: the rows as one jsonb parameter, expanded by ``jsonb_to_recordset``.

    One parameter instead of one per value: the driver has no placeholders to
    scan (psycopg's client-side binding spends most of a multi-row INSERT's
    time there) and the server parses and plans one short statement.
    """
    # Values go into the JSON as they are: json.dumps writes other types
    # (datetime, date, Decimal, UUID) with str(), which is what each column
    # type's input function reads back ("2026-04-01 09:00:00+09:00").
    columns_of = [(attname, field.column, field) for attname, field, _as_is in fields]
    records = []
    for row in rows:
        record = {}
        for attname, column, field in columns_of:
            if attname in row:
                record[column] = row[attname]
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                record[column] = timezone.now()
            else:
                record[column] = field.get_default()
        records.append(record)
    if not records:
        return 0
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for _a, f, _i in fields)
    types = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for _a, f, _i in fields)
    table = quote(model._meta.db_table)
    with prepared.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608 - names from the model
            f"FROM jsonb_to_recordset(%s::jsonb) AS r({types})",
            [json.dumps(records, ensure_ascii=False, default=str)],
        )
    return len(records)
