"""Backup of the whole database into one portable archive (``kitclinic backup``).

The archive (format in ``archive.py``, described in docs/backup.md) holds every row of every
table of every installed model, read in one consistent snapshot and encoded independently of the
database engine, so a clinic moves from SQLite to PostgreSQL with ``kitclinic restore`` of it
(``restore.py``). A backup is an export of all patient data: it is recorded in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

import kitclinic
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.operations.archive import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    ArchiveError,
    member_name,
    row_encoder,
)

READ_CHUNK_ROWS = 2000
BACKUP_OBJECT_TYPE = "kitclinic.backup"


@dataclass(frozen=True)
class TableCount:
    model: str
    db_table: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Summary:
    """What a backup wrote or a restore loaded, for the command's output (text or --json)."""

    file: str
    kitclinic_version: str  # of the archive
    created_at: str  # of the archive
    source_vendor: str
    rows: int
    content_sha256: str
    tables: list[TableCount] = field(default_factory=list)
    size_bytes: int = 0
    target_vendor: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def kitclinic_version() -> str:
    try:
        return importlib.metadata.version("kitclinic")
    except importlib.metadata.PackageNotFoundError:
        return kitclinic.__version__


def archived_models() -> list[type[models.Model]]:
    """Every table of every installed model, auto-created many-to-many tables included, once.

    Proxy and unmanaged models have no table of their own (or one kitclinic does not create).
    Sorted by table name: the order of the archive's members and of its content SHA-256.
    """
    by_table: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        by_table.setdefault(meta.db_table, model)
    return [by_table[name] for name in sorted(by_table)]


def _applied_migrations() -> dict[str, list[str]]:
    applied = MigrationRecorder(connection).applied_migrations()
    result: dict[str, list[str]] = {}
    for app, name in sorted(applied):
        result.setdefault(app, []).append(name)
    return result


def backup_create(*, path: Path, requested_by: str, force: bool = False) -> Summary:
    """Write the whole database to the archive ``path``; the summary of what was written.

    The archive is written to a temporary file beside ``path`` and renamed at the end, so
    ``path`` never holds half an archive. An existing ``path`` is refused unless ``force``.
    """
    path = Path(os.path.abspath(path))
    if path.is_dir():
        raise ArchiveError(f"{path} is a directory; give the archive's file name")
    if path.exists() and not force:
        raise ArchiveError(f"{path} already exists; choose a new file name or pass --force")
    if not path.parent.is_dir():
        raise ArchiveError(f"the directory {path.parent} does not exist")
    if connection.in_atomic_block:
        raise ArchiveError(
            "backup must run outside a transaction: it commits its audit event, then reads "
            "one snapshot"
        )
    try:
        # mkstemp creates the file readable by its owner only: the archive holds patient data.
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".partial"
        )
    except OSError as exc:
        raise ArchiveError(f"cannot write in {path.parent} ({exc.strerror or exc})") from None
    partial = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as output:
            _audit_backup(path=path, requested_by=requested_by)
            summary = _write_archive(output, file=str(path))
            output.flush()
            os.fsync(output.fileno())
        _publish(partial, path, force=force)
    finally:
        partial.unlink(missing_ok=True)
    return replace(summary, size_bytes=path.stat().st_size)


def _audit_backup(*, path: Path, requested_by: str) -> None:
    # Committed on its own before the snapshot is taken, so the archive records its own export.
    with transaction.atomic():
        audit_record(
            actor=None,
            action=AuditAction.EXPORT,
            object_type=BACKUP_OBJECT_TYPE,
            detail=f"Whole-database backup by {requested_by} to {path}",
        )


def _write_archive(output: Any, *, file: str) -> Summary:
    content = hashlib.sha256()
    tables: list[TableCount] = []
    columns: dict[str, list[str]] = {}
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Must be the transaction's first statement: every table is read from the same
                # snapshot, while the clinic keeps working.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # On SQLite the transaction's first read takes the snapshot (a shared lock, or a
            # WAL snapshot), held until the end of the block.
            created_at = timezone.now().astimezone(dt.UTC)
            migrations = _applied_migrations()
            for model in archived_models():
                tables.append(_write_table(zf, model, content=content))
                columns[model._meta.db_table] = [f.attname for f in model._meta.concrete_fields]
        rows = sum(t.rows for t in tables)
        version = kitclinic_version()
        created = created_at.isoformat().replace("+00:00", "Z")
        content_sha256 = content.hexdigest()
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "kitclinic_version": version,
            "created_at": created,
            "source": {"vendor": connection.vendor, "database": connection.display_name},
            "migrations": migrations,
            "tables": [
                {
                    "model": t.model,
                    "db_table": t.db_table,
                    "member": member_name(t.db_table),
                    "fields": columns[t.db_table],
                    "rows": t.rows,
                    "sha256": t.sha256,
                }
                for t in tables
            ],
            "rows": rows,
            "content_sha256": content_sha256,
        }
        zf.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return Summary(
        file=file,
        kitclinic_version=version,
        created_at=created,
        source_vendor=connection.vendor,
        rows=rows,
        content_sha256=content_sha256,
        tables=tables,
    )


def _write_table(zf: Any, model: type[models.Model], *, content: Any) -> TableCount:
    fields = list(model._meta.concrete_fields)
    encode = row_encoder(fields)
    digest = hashlib.sha256()
    rows = 0
    # values_list + iterator: plain tuples streamed in chunks (a server-side cursor on
    # PostgreSQL), so a million audit rows never become a million model instances.
    # _base_manager: a default manager that filters rows would silently drop them.
    queryset = (
        model._base_manager.order_by("pk")
        .values_list(*[f.attname for f in fields])
        .iterator(chunk_size=READ_CHUNK_ROWS)
    )
    with zf.open(member_name(model._meta.db_table), "w", force_zip64=True) as member:
        pending: list[bytes] = []
        for row in queryset:
            pending.append(encode(row))
            rows += 1
            if len(pending) >= READ_CHUNK_ROWS:
                _write_lines(member, pending, digest, content)
        _write_lines(member, pending, digest, content)
    return TableCount(
        model=model._meta.label, db_table=model._meta.db_table, rows=rows, sha256=digest.hexdigest()
    )


def _write_lines(member: Any, lines: list[bytes], digest: Any, content: Any) -> None:
    data = b"".join(lines)
    lines.clear()
    member.write(data)
    digest.update(data)
    content.update(data)


def _publish(partial: Path, path: Path, *, force: bool) -> None:
    """Give the finished archive its name in one step."""
    if force:
        os.replace(partial, path)
    else:
        try:
            # A hard link fails if the name was taken meanwhile, where a rename would replace it.
            os.link(partial, path)
        except FileExistsError:
            raise ArchiveError(
                f"{path} appeared while the backup ran; nothing was replaced"
            ) from None
        except OSError:
            # A file system without hard links.
            if path.exists():
                raise ArchiveError(f"{path} appeared while the backup ran") from None
            os.replace(partial, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename itself is atomic
    finally:
        os.close(directory)
