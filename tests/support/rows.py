"""Rows of the database's tables: counted before and after a refused write, they show that it
wrote nothing (after an allowed one, that it wrote something); ``rolled_back`` undoes a check's
writes so that the next check starts from the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model


def counted_tables() -> list[str]:
    """Every table of the database that a model owns: each installed model's (the project's,
    Django's, the task queue's, ...), many-to-many tables included, proxies and unmanaged
    models left out. The same tables a backup archive lists."""
    tables: list[str] = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.proxy and meta.managed and meta.db_table not in tables:
            tables.append(meta.db_table)
    return tables


def row_counts(*models: type[Model]) -> dict[str, int]:
    """Rows in each table of ``models`` or, with none named, of every table (``counted_tables``),
    keyed by table name; one query, whatever the number of tables."""
    tables = [m._meta.db_table for m in models] if models else counted_tables()
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT {index}, COUNT(*) FROM {quote(table)}" for index, table in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = dict(cursor.fetchall())
    return {table: counts[index] for index, table in enumerate(tables)}


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a savepoint that is rolled back when it ends, however it ends: a
    permission matrix checks every persona against one built set of records, each check
    starting from the same rows (inside the test's own transaction)."""
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
