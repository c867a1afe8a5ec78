"""Fast inserts of many rows, below the ORM: COPY on PostgreSQL, executemany on SQLite.

Why not ``bulk_create``: seeding 100,000 residents means about a million rows
(records, search tokens, tax summaries), and building a model instance and
compiling every value through the ORM cost more than the database itself
(measured: ~1 ms per resident, so 100 s for the benchmark city). Here rows are
plain tuples in the model's column order; every column the caller does not give
is filled from the field's default (or the current time for ``auto_now``
fields), so a field added later with a default keeps seeding working.

Primary keys are reserved up front — ``nextval`` of the identity sequence on
PostgreSQL, past ``sqlite_sequence`` on SQLite — so ids are never reused, not
even those of rows deleted by a ``--force`` reseed that old audit entries name.
Tables whose ids nothing else needs (search tokens, tax summaries) are written
with ``ids=False``: the database's own identity default numbers them, which
spares fetching hundreds of thousands of ids into Python first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models
from django.utils import timezone


class TableWriter:
    """Inserts tuples of ``columns`` (model field names) into ``model``'s table.

    With ``ids=True`` every row starts with a primary key from :meth:`reserve_ids`;
    with ``ids=False`` rows hold the given columns only and the database numbers them.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str], *,
                 ids: bool = True) -> None:
        self.model = model
        self.table = model._meta.db_table
        given = [model._meta.get_field(name) for name in columns]
        now = timezone.now()
        fixed: list[tuple[str, Any]] = []
        for field in model._meta.concrete_fields:
            if field in given or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value: Any = now if isinstance(field, models.DateTimeField) else now.date()
            else:
                value = field.get_default()
            fixed.append((field.column, field.get_db_prep_save(value, connection)))
        pk = [model._meta.pk.column] if ids else []
        self.columns = pk + [f.column for f in given] + [c for c, _ in fixed]
        self.fixed = tuple(v for _, v in fixed)
        self.postgres = connection.vendor == "postgresql"

    def reserve_ids(self, count: int) -> list[int]:
        """``count`` fresh primary keys for this table."""
        if count == 0:
            return []
        pk = self.model._meta.pk.column
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [self.table, pk, count],
                )
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{self.table}"')  # noqa: S608
            start = cursor.fetchone()[0]
            if connection.vendor == "sqlite":
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                row = cursor.fetchone()
                start = max(start, row[0] if row else 0)
        return list(range(start + 1, start + 1 + count))

    def write(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert ``(id, *given columns)`` tuples (no id with ``ids=False``); returns the count."""
        fixed = self.fixed
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        count = 0
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {connection.ops.quote_name(self.table)} ({quoted}) "
                                 "FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + fixed)
                        count += 1
                return count
            placeholders = ", ".join(["%s"] * len(self.columns))
            sql = (f"INSERT INTO {connection.ops.quote_name(self.table)} ({quoted}) "  # noqa: S608
                   f"VALUES ({placeholders})")
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row + fixed)
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


@contextmanager
def foreign_keys_checked_once(tables_of: Sequence[type[models.Model]]) -> Iterator[None]:
    """Among the tables of ``tables_of``, check foreign keys once per table after a bulk load.

    Django creates foreign keys ``DEFERRABLE INITIALLY DEFERRED``: every row
    inserted queues a check (an index lookup and a row lock) run at COMMIT —
    700,000 of them for the 100,000-resident demo city, about 8 s, more than
    the COPY itself. On PostgreSQL the keys *between* these tables are dropped
    here and added back (same name, same definition) when the block ends;
    adding a key checks the whole table in one join (~0.3 s). Keys pointing
    elsewhere stay: dropping the one to ``core_municipality`` would lock that
    table, which every request reads, until commit. Call it inside a
    transaction: DDL is transactional on PostgreSQL, so an error restores the
    keys; until commit the tables are locked against other sessions. Checks
    already queued in the transaction run on entry (ALTER TABLE refuses to run
    while they are pending). Other databases: nothing changes.
    """
    if connection.vendor != "postgresql":
        yield
        return
    qn = connection.ops.quote_name
    tables = [m._meta.db_table for m in tables_of]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "AND confrelid = ANY(%s::regclass[]) ORDER BY conname", [tables, tables])
        keys = cursor.fetchall()
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE condeferred "
            "AND connamespace = current_schema()::regnamespace")
        deferred = [name for (name,) in cursor.fetchall()]
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {qn(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}")
        if deferred:  # back to each key's initial mode for the rest of the transaction
            cursor.execute(f"SET CONSTRAINTS {', '.join(qn(n) for n in deferred)} DEFERRED")


def date_value(value: dt.date | None) -> Any:
    """A date as the current database wants it (ISO text on SQLite)."""
    return connection.ops.adapt_datefield_value(value)
