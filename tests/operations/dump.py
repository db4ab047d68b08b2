"""Every row of every table, and every controlled-substance balance, as engine-neutral JSON.

Run inside a ``kitclinic shell`` subprocess against one database, so a test can compare two
databases of different engines. Written independently of kitclinic.operations (its own table
list and value normalisation), so that a fault in the archive's encoding cannot hide itself by
being applied to both sides of the comparison.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sys
import uuid
from typing import Any


def _normal(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return ["datetime", value.astimezone(dt.UTC).isoformat()]
    if isinstance(value, dt.date | dt.time):
        return [type(value).__name__, value.isoformat()]
    if isinstance(value, dt.timedelta):
        return ["timedelta", value.days, value.seconds, value.microseconds]
    if isinstance(value, decimal.Decimal):
        return ["decimal", str(value)]
    if isinstance(value, float):
        return ["float", value.hex()]
    if isinstance(value, uuid.UUID):
        return ["uuid", value.hex]
    if isinstance(value, bytes | memoryview):
        return ["bytes", bytes(value).hex()]
    if isinstance(value, dict | list):
        return ["json", json.dumps(value, sort_keys=True)]
    return value


def database_dump() -> dict[str, Any]:
    from django.apps import apps

    from kitclinic.substances.models import SubstanceLot
    from kitclinic.substances.selectors import lot_balance_mg

    tables: dict[str, list[list[Any]]] = {}  # table -> [column names, *rows]
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in tables:
            continue
        columns = [f.attname for f in meta.concrete_fields]
        rows = model._base_manager.order_by("pk").values_list(*columns)
        tables[meta.db_table] = [columns, *([_normal(v) for v in row] for row in rows)]
    balances = {
        str(lot.pk): str(lot_balance_mg(lot)) for lot in SubstanceLot.objects.order_by("pk")
    }
    return {"tables": tables, "balances": balances}


def after_restore_probe() -> dict[str, Any]:
    """What a restored database does next: a new row gets a fresh id (sequences were reset), and
    the append-only guards still refuse changes (the model's, and PostgreSQL's triggers)."""
    from django.db import DatabaseError, connection, transaction

    from kitclinic.accounts.models import Organization
    from kitclinic.audit.append_only import AppendOnlyError
    from kitclinic.audit.models import AuditEvent

    result: dict[str, Any] = {"vendor": connection.vendor}
    highest = max(Organization.objects.values_list("pk", flat=True), default=0)
    created = Organization.objects.create(name="Created after the restore", slug="after-restore")
    result["organization_ids"] = [highest, created.pk]
    try:
        AuditEvent.objects.all().update(detail="changed")
        result["model_update"] = "allowed"
    except AppendOnlyError:
        result["model_update"] = "refused"
    for table in ("audit_auditevent", "substances_substancelogentry"):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET id = id")
            result[f"sql_update_{table}"] = "allowed"
        except DatabaseError:
            result[f"sql_update_{table}"] = "refused"
    return result


def main(*, probe: bool = False) -> None:
    """Print the dump (and, with ``probe``, then run after_restore_probe) as one JSON object."""
    dump = database_dump()
    if probe:
        dump["probe"] = after_restore_probe()
    json.dump(dump, sys.stdout)
