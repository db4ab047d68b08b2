"""Restore of a backup archive into an empty, migrated database of either engine.

All or nothing: it checks the archive (CRC-32, SHA-256 per table and over all of them), the
schema (the archive's applied migrations must be exactly the database's), and that the database
is empty, then loads every table in one transaction and compares the row counts with the
manifest before committing. Rows are inserted as they are: no ``save()``, no ``pre_save``
(``bulk_create`` would stamp ``auto_now_add`` columns such as the controlled-substance log's
``recorded_at`` with the time of the restore), no signals, and no trigger is ever disabled: the
append-only protections stay on, as they refuse only UPDATE and DELETE.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import (
    DatabaseError,
    IntegrityError,
    connection,
    models,
    transaction,
)
from django.db.migrations.executor import MigrationExecutor

from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.operations.archive import (
    ArchiveError,
    Manifest,
    TableEntry,
    archive_errors,
    archive_open,
    archive_verify,
    column_name,
    digest_mismatch,
    manifest_read,
    value_decoder,
)
from kitclinic.operations.backup import Summary, TableCount, archived_models

# Rows that `kitclinic migrate` itself writes into a new database (post_migrate creates the
# content types and permissions). A database holding only these is empty; a restore replaces
# them with the archive's, whose ids the rest of the archive refers to. The default drug library
# of infusions migration 0002 is installed only for existing organizations, so a new database
# has none. tests/operations checks that a freshly migrated database has rows nowhere else: a
# data migration that seeds another table must add its model here.
SEEDED_BY_MIGRATE = ("auth.Permission", "contenttypes.ContentType")

INSERT_BATCH_ROWS = 1000
RESTORE_OBJECT_TYPE = "kitclinic.restore"


def restore_load(*, path: Path, requested_by: str) -> Summary:
    """Load the archive ``path`` into this empty, migrated database, all or nothing.

    Every check runs before the first write; the load runs in one transaction that also
    recomputes every digest and compares the row counts before it commits.
    """
    path = Path(os.path.abspath(path))
    manifest = archive_verify(path)
    _check_schema(manifest)
    plan = _check_tables(manifest)
    try:
        with transaction.atomic():
            # Inside the transaction, so the check and the load see one database: exactly on
            # SQLite (a write that slipped in makes the load fail), within milliseconds elsewhere.
            _check_empty(plan)
            _load(path, manifest, plan)
            if connection.vendor == "postgresql":
                # Explicit ids leave the sequences at 1: new rows would collide with old ones.
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(no_style(), [m for _, m in plan]):
                        cursor.execute(sql)
            connection.check_constraints()
            _check_counts(plan)
            _audit_restore(path=path, manifest=manifest, requested_by=requested_by)
    except IntegrityError as exc:
        raise ArchiveError(
            f"the archive's rows break a database constraint ({_first_line(exc)}); "
            "nothing was restored"
        ) from None
    finally:
        ContentType.objects.clear_cache()
    return Summary(
        file=str(path),
        kitclinic_version=manifest.kitclinic_version,
        created_at=manifest.created_at,
        source_vendor=manifest.source_vendor,
        rows=manifest.rows,
        content_sha256=manifest.content_sha256,
        tables=[TableCount(e.model, e.db_table, e.rows, e.sha256) for e in manifest.tables],
        size_bytes=path.stat().st_size,
        target_vendor=connection.vendor,
    )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _listed(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _check_schema(manifest: Manifest) -> None:
    """The archive's applied migrations must be exactly this fully migrated database's."""
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = [f"{m.app_label}.{m.name}" for m, _ in pending]
        raise ArchiveError(
            f"the database is not fully migrated ({_listed(names)} not applied): run "
            "`kitclinic migrate` first, then restore"
        )
    # Only apps installed here: rows left in django_migrations by a removed app mean nothing;
    # a removed app's tables in the archive are refused by _check_tables.
    here = executor.loader.migrated_apps
    applied = {key for key in executor.loader.applied_migrations if key[0] in here}
    archived = {key for key in manifest.applied() if key[0] in here}
    version = manifest.kitclinic_version
    newer = sorted(f"{app}.{name}" for app, name in archived - applied)
    if newer:
        raise ArchiveError(
            f"the archive is from a newer schema (written by kitclinic {version}): it has "
            f"migrations this database does not: {_listed(newer)}; restore it with kitclinic "
            f"{version}"
        )
    older = sorted(f"{app}.{name}" for app, name in applied - archived)
    if older:
        raise ArchiveError(
            f"the archive is from an older schema (written by kitclinic {version}): this "
            f"database has migrations the archive lacks: {_listed(older)}; restore it with "
            f"kitclinic {version} into a database migrated by that version, then upgrade "
            "kitclinic and run `kitclinic migrate`"
        )


def _check_tables(manifest: Manifest) -> list[tuple[TableEntry, type[models.Model]]]:
    """Pair every archived table with its model; the two sets must be the same."""
    here = {m._meta.db_table: m for m in archived_models()}
    archived = {e.db_table: e for e in manifest.tables}
    unknown = sorted(set(archived) - set(here))
    if unknown:
        raise ArchiveError(f"the archive has tables no installed model uses: {_listed(unknown)}")
    absent = sorted(set(here) - set(archived))
    if absent:
        raise ArchiveError(f"the archive lacks tables of this installation: {_listed(absent)}")
    plan = []
    for entry in manifest.tables:
        model = here[entry.db_table]
        if entry.model != model._meta.label:
            raise ArchiveError(
                f"the archive's table {entry.db_table} is of {entry.model}, here of "
                f"{model._meta.label}"
            )
        columns = {f.attname for f in model._meta.concrete_fields}
        if set(entry.fields) != columns or len(entry.fields) != len(columns):
            raise ArchiveError(
                f"the archive's columns of {entry.db_table} differ from this installation's: "
                f"{_listed(sorted(set(entry.fields) ^ columns))}"
            )
        plan.append((entry, model))
    return plan


def _check_empty(plan: list[tuple[TableEntry, type[models.Model]]]) -> None:
    filled = []
    for entry, model in plan:
        if model._meta.label in SEEDED_BY_MIGRATE:
            continue
        queryset = model._base_manager
        if queryset.exists():
            count = queryset.count()
            filled.append(f"{entry.db_table} ({count} row{'' if count == 1 else 's'})")
    if filled:
        raise ArchiveError(
            f"the database is not empty: {_listed(filled, limit=3)}; restore needs a new "
            "database with only `kitclinic migrate` run on it"
        )


def _load(
    path: Path,
    manifest: Manifest,
    plan: list[tuple[TableEntry, type[models.Model]]],
) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # The rows migrate wrote are replaced by the archive's. Nothing else refers to them yet
        # (_check_empty), and foreign keys are checked at commit (DEFERRABLE INITIALLY DEFERRED).
        for label in SEEDED_BY_MIGRATE:
            cursor.execute(f"DELETE FROM {quote(apps.get_model(label)._meta.db_table)}")
    content = hashlib.sha256()
    with archive_open(path) as archive, archive_errors(path):
        if manifest_read(archive, path).raw != manifest.raw:
            raise ArchiveError(f"{path} changed while it was being restored")
        for entry, model in plan:
            _load_table(archive, path, entry, model, content=content)
    if content.hexdigest() != manifest.content_sha256:
        raise ArchiveError(f"{path} changed while it was being restored")


def _load_table(
    archive: Any,
    path: Path,
    entry: TableEntry,
    model: type[models.Model],
    *,
    content: Any,
) -> None:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in entry.fields]
    decoders = [value_decoder(f, connection) for f in fields]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(entry.db_table),
        ", ".join(quote(column_name(f)) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    digest = hashlib.sha256()
    rows = 0
    batch: list[list[Any]] = []
    with archive.open(entry.member) as stream, connection.cursor() as cursor:
        for line in stream:
            digest.update(line)
            content.update(line)
            rows += 1
            batch.append(_decode_line(line, decoders, entry=entry, row=rows))
            if len(batch) >= INSERT_BATCH_ROWS:
                _insert(cursor, sql, batch, entry)
        _insert(cursor, sql, batch, entry)
    problem = digest_mismatch(path, entry, rows=rows, sha256=digest.hexdigest())
    if problem:
        raise ArchiveError(problem)


def _decode_line(line: bytes, decoders: list[Any], *, entry: TableEntry, row: int) -> list[Any]:
    try:
        values = json.loads(line)
        if not isinstance(values, list) or len(values) != len(decoders):
            raise ValueError(f"expected {len(decoders)} values")
        return [decode(value) for decode, value in zip(decoders, values, strict=True)]
    except (ValueError, TypeError, ValidationError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        raise ArchiveError(f"{entry.member}, row {row}: not a valid row ({message})") from None


def _insert(cursor: Any, sql: str, batch: list[list[Any]], entry: TableEntry) -> None:
    if not batch:
        return
    try:
        # One statement, many rows: psycopg pipelines them, which measured faster than
        # multi-row VALUES statements (a million audit rows into PostgreSQL).
        cursor.executemany(sql, batch)
    except IntegrityError:
        raise
    except DatabaseError as exc:
        # SQLite does not enforce column lengths; PostgreSQL does: name the table.
        raise ArchiveError(
            f"the database refused a row of {entry.db_table} ({_first_line(exc)}); "
            "nothing was restored"
        ) from None
    batch.clear()


def _check_counts(plan: list[tuple[TableEntry, type[models.Model]]]) -> None:
    for entry, model in plan:
        count = model._base_manager.count()
        if count != entry.rows:
            raise ArchiveError(
                f"after loading, {entry.db_table} has {count} rows where the manifest says "
                f"{entry.rows}; nothing was restored"
            )


def _audit_restore(*, path: Path, manifest: Manifest, requested_by: str) -> None:
    # In the restore's own transaction, after the counts are verified: it commits with the rows.
    audit_record(
        actor=None,
        action=AuditAction.CREATE,
        object_type=RESTORE_OBJECT_TYPE,
        detail=(
            f"Whole-database restore by {requested_by} from {path}: backup of "
            f"{manifest.created_at} by kitclinic {manifest.kitclinic_version} on "
            f"{manifest.source_vendor}, {manifest.rows} rows, content SHA-256 "
            f"{manifest.content_sha256}"
        ),
    )
