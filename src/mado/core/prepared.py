"""Prepared statements for the few SQL statements every submission runs.

Why: Django's PostgreSQL backend binds parameters on the client (psycopg's
``ClientCursor``) and never prepares, so the server parses and plans the
same text again for every request. For most pages that is noise; for the
statements every submission of a busy hour runs (the receipt counter's
``UPDATE``, the submission ``INSERT``, the completion's batch ``INSERT``s)
parse and plan cost as much as executing them, and psycopg spends more
Python merging the values into the text than sending them (issue 4's
throughput goal; measured with ``pg_stat_statements``' plan times).

:func:`cursor` hands out a Django cursor (the same wrappers: error
translation, query logging under ``DEBUG`` and ``CaptureQueriesContext``,
``execute_wrapper``) over a psycopg *server-side binding* cursor that
prepares each statement on the connection the first time it runs and
reuses it afterwards (psycopg keeps up to ``prepared_max`` per connection).
It is meant for a handful of constant SQL texts with ``%s`` placeholders.

Where it does nothing: on SQLite, and when ``MADO_DB_PREPARE`` is off — for
a connection pooler in *transaction* mode that does not track prepared
statements (PgBouncer before 1.21; see docs/operations.md), where a
statement prepared on one server connection is unknown on the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection

__all__ = ["cursor", "enabled"]

_FACTORY: Any = None
NEVER_BY_COUNT = 2**31 - 1


def enabled() -> bool:
    """Whether statements are prepared (PostgreSQL and ``MADO_DB_PREPARE`` on).

    Not while queries are logged (``DEBUG``, ``CaptureQueriesContext``):
    psycopg does not keep the text of a prepared execution, so the log
    would show no SQL; unprepared, it shows each statement with its values.
    """
    return (
        connection.vendor == "postgresql"
        and bool(getattr(settings, "MADO_DB_PREPARE", True))
        and not connection.queries_logged
    )


def _factory() -> Any:
    global _FACTORY
    if _FACTORY is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparingCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
            """Server-side binding; every statement prepared (Django turns auto-prepare off)."""

            def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None,
                        binary: bool | None = None) -> Any:
                return super().execute(query, params, prepare=True, binary=binary)

        _FACTORY = PreparingCursor
    return _FACTORY


@contextmanager
def cursor() -> Iterator[Any]:
    """A cursor whose statements are prepared on the server; a plain one where that is off."""
    if not enabled():
        with connection.cursor() as cur:
            yield cur
        return
    # What BaseDatabaseWrapper.cursor() does, with our cursor class instead of
    # the connection's default one.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        pg = connection.connection
        if pg.prepare_threshold is None:
            # Django turns preparing off (None) for the whole connection; psycopg
            # then ignores prepare=True too. A threshold no statement reaches
            # lets this cursor's prepare=True work while Django's own
            # client-side binding cursors still never prepare.
            pg.prepare_threshold = NEVER_BY_COUNT
        raw = _factory()(pg)
    wrapped = connection._prepare_cursor(raw)
    try:
        yield wrapped
    finally:
        wrapped.close()
