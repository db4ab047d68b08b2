"""The backup archive format: one zip file, a ``manifest.json`` and one JSON-Lines member per table.

This module knows the format only; it reads and writes no database rows (``backup.py`` does).
It is kept apart so that verifying an archive (``kitclinic restore --verify-only``) and the
tests that build tampered archives use exactly the rules the restore uses. docs/backup.md
describes the format for people; the constants here are its definition.

Values are encoded by field type so that the archive is independent of the database engine:
Decimal as its exact string, date/time values as ISO 8601 (datetimes in UTC with their offset),
durations as Django's duration string, UUIDs as strings, bytes as base64, JSON as JSON, floats
as JSON numbers (``repr`` round-trips a double exactly). Each is decoded with the field's own
``to_python``, so a restore accepts exactly what the field accepts.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import re
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models
from django.utils.duration import duration_string

FORMAT = "kitclinic-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEMBER_PREFIX = "tables/"
MEMBER_SUFFIX = ".jsonl"
ZIP_MAGIC = b"PK\x03\x04"
READ_CHUNK_BYTES = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MEMBER = re.compile(r"tables/[A-Za-z0-9_]+\.jsonl")


class ArchiveError(Exception):
    """The archive or the database is not fit for the operation; nothing was written.

    The commands turn it into a one-line message and exit status 2.
    """


def member_name(db_table: str) -> str:
    return f"{MEMBER_PREFIX}{db_table}{MEMBER_SUFFIX}"


# --- values -------------------------------------------------------------------------------------


def encode_value(value: Any) -> Any:
    """One database value as a JSON value (see the module docstring for the rules)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_string(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"no archive encoding for a value of type {type(value).__name__}")


def column_name(field: models.Field[Any, Any]) -> str:
    """The database column of a concrete field (Django names one for every concrete field)."""
    if field.column is None:
        raise TypeError(f"{field} has no database column")
    return field.column


def row_encoder(fields: list[models.Field[Any, Any]]) -> Callable[[tuple[Any, ...]], bytes]:
    """A function turning one ``values_list`` row into one JSON-Lines line (UTF-8 bytes)."""
    # JSON columns already hold JSON values (dicts, lists, numbers...): written as they are.
    plain = [not isinstance(field, models.JSONField) for field in fields]
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def encode(row: tuple[Any, ...]) -> bytes:
        values = [encode_value(v) if p else v for p, v in zip(plain, row, strict=True)]
        return (dumps(values) + "\n").encode("utf-8")

    return encode


def value_decoder(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    """A function turning one archived value into the value to insert (``get_db_prep_save``).

    A JSON value of a NOT NULL JSON column that reads back as None was JSON ``null`` (SQL NULL
    is impossible there), so it is written back as JSON ``null`` rather than SQL NULL.
    """
    if isinstance(field, models.JSONField) and not field.null:
        json_null = connection.ops.adapt_json_value(None, field.encoder)

        def decode_json(value: Any) -> Any:
            if value is None:
                return json_null
            return field.get_db_prep_save(value, connection)

        return decode_json

    def decode(value: Any) -> Any:
        if value is None:
            return None
        return field.get_db_prep_save(field.to_python(value), connection)

    return decode


# --- manifest -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableEntry:
    """One table of the archive as the manifest describes it."""

    model: str  # app label and model name, e.g. "audit.AuditEvent"
    db_table: str
    member: str
    fields: tuple[str, ...]  # column attnames in the order of each line's values
    rows: int
    sha256: str  # of the member's bytes


@dataclass(frozen=True)
class Manifest:
    format_version: int
    kitclinic_version: str
    created_at: str
    source_vendor: str
    migrations: dict[str, tuple[str, ...]]
    tables: tuple[TableEntry, ...]
    rows: int
    content_sha256: str
    raw: dict[str, Any]

    def applied(self) -> set[tuple[str, str]]:
        return {(app, name) for app, names in self.migrations.items() for name in names}


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise ArchiveError(f"the archive's manifest.json is not valid: {what}")


def manifest_parse(data: bytes) -> Manifest:
    """The manifest, checked for shape; ArchiveError names the first problem."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"the archive's manifest.json is not valid JSON ({exc})") from None
    _require(isinstance(raw, dict), "not a JSON object")
    _require(raw.get("format") == FORMAT, f'"format" is not "{FORMAT}"')
    version = raw.get("format_version")
    _require(isinstance(version, int), '"format_version" is not a number')
    if version != FORMAT_VERSION:
        raise ArchiveError(
            f"the archive has format version {version}; this kitclinic reads version "
            f"{FORMAT_VERSION} (restore it with the kitclinic version that wrote it, "
            f"{raw.get('kitclinic_version', 'unknown')})"
        )
    for key in ("kitclinic_version", "created_at", "content_sha256"):
        _require(isinstance(raw.get(key), str), f'"{key}" is missing')
    _require(bool(_SHA256.fullmatch(raw["content_sha256"])), '"content_sha256" is not a SHA-256')
    source = raw.get("source")
    _require(isinstance(source, dict) and isinstance(source.get("vendor"), str), '"source"')
    migrations = raw.get("migrations")
    _require(isinstance(migrations, dict), '"migrations" is not an object')
    for app, names in migrations.items():
        _require(
            isinstance(names, list) and all(isinstance(n, str) for n in names),
            f'"migrations"."{app}" is not a list of names',
        )
    tables = raw.get("tables")
    _require(isinstance(tables, list), '"tables" is not a list')
    entries = []
    for index, item in enumerate(tables):
        where = f"tables[{index}]"
        _require(isinstance(item, dict), f"{where} is not an object")
        for key in ("model", "db_table", "member", "sha256"):
            _require(isinstance(item.get(key), str), f'{where}."{key}" is missing')
        _require(item["member"] == member_name(item["db_table"]), f"{where}: unexpected member")
        _require(bool(_MEMBER.fullmatch(item["member"])), f"{where}: unexpected member name")
        _require(bool(_SHA256.fullmatch(item["sha256"])), f'{where}."sha256" is not a SHA-256')
        rows = item.get("rows")
        _require(isinstance(rows, int) and rows >= 0, f'{where}."rows" is not a count')
        fields = item.get("fields")
        _require(
            isinstance(fields, list) and bool(fields) and all(isinstance(f, str) for f in fields),
            f'{where}."fields" is not a list of column names',
        )
        entries.append(
            TableEntry(
                model=item["model"],
                db_table=item["db_table"],
                member=item["member"],
                fields=tuple(fields),
                rows=rows,
                sha256=item["sha256"],
            )
        )
    _require(len({e.db_table for e in entries}) == len(entries), "a table is listed twice")
    _require(raw.get("rows") == sum(e.rows for e in entries), '"rows" is not the sum of the tables')
    return Manifest(
        format_version=version,
        kitclinic_version=raw["kitclinic_version"],
        created_at=raw["created_at"],
        source_vendor=source["vendor"],
        migrations={app: tuple(names) for app, names in migrations.items()},
        tables=tuple(entries),
        rows=raw["rows"],
        content_sha256=raw["content_sha256"],
        raw=raw,
    )


# --- reading and verifying ----------------------------------------------------------------------


@contextmanager
def archive_errors(path: Path) -> Iterator[None]:
    """Turn what zipfile, zlib and the JSON decoder raise on a damaged archive into ArchiveError."""
    try:
        yield
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"{path} is corrupted ({exc})") from None
    except (zlib.error, EOFError) as exc:
        raise ArchiveError(f"{path} is corrupted or truncated ({exc})") from None
    except zipfile.LargeZipFile as exc:
        raise ArchiveError(f"{path} cannot be read here ({exc})") from None


def archive_open(path: Path) -> zipfile.ZipFile:
    """The archive opened for reading; ArchiveError if it is missing or not a zip archive."""
    if not path.exists():
        raise ArchiveError(f"{path} does not exist")
    if not path.is_file():
        raise ArchiveError(f"{path} is not a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(ZIP_MAGIC))
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        if head == ZIP_MAGIC:
            # It starts as a zip archive but its central directory, written last, is missing.
            raise ArchiveError(
                f"{path} is truncated or damaged: the end of the zip archive is missing"
            ) from None
        raise ArchiveError(f"{path} is not a kitclinic backup archive (not a zip file)") from None
    except OSError as exc:
        raise ArchiveError(f"{path} cannot be read ({exc.strerror or exc})") from None


def manifest_read(archive: zipfile.ZipFile, path: Path) -> Manifest:
    with archive_errors(path):
        try:
            data = archive.read(MANIFEST)
        except KeyError:
            raise ArchiveError(
                f"{path} is not a kitclinic backup archive (it has no {MANIFEST})"
            ) from None
    manifest = manifest_parse(data)
    names = set(archive.namelist())
    for entry in manifest.tables:
        if entry.member not in names:
            raise ArchiveError(f"{path} is incomplete: the member {entry.member} is missing")
    return manifest


def digest_mismatch(path: Path, entry: TableEntry, *, rows: int, sha256: str) -> str | None:
    """The refusal message if a member's bytes do not match the manifest, else None."""
    if sha256 != entry.sha256:
        return (
            f"{path} is corrupted or was altered: {entry.member} does not match its SHA-256 "
            "in the manifest"
        )
    if rows != entry.rows:
        return (
            f"{path} is corrupted: {entry.member} has {rows} rows, the manifest says {entry.rows}"
        )
    return None


def archive_verify(path: Path) -> Manifest:
    """Check the whole archive against its manifest without touching any database.

    Every member is read to its end, so zip's CRC-32 is checked, and its SHA-256 and line
    count are compared with the manifest, as is the content SHA-256 over all members.
    """
    with archive_open(path) as archive:
        manifest = manifest_read(archive, path)
        content = hashlib.sha256()
        with archive_errors(path):
            for entry in manifest.tables:
                member = hashlib.sha256()
                rows = 0
                with archive.open(entry.member) as stream:
                    while chunk := stream.read(READ_CHUNK_BYTES):
                        member.update(chunk)
                        content.update(chunk)
                        rows += chunk.count(b"\n")
                problem = digest_mismatch(path, entry, rows=rows, sha256=member.hexdigest())
                if problem:
                    raise ArchiveError(problem)
        if content.hexdigest() != manifest.content_sha256:
            raise ArchiveError(
                f"{path} is corrupted or was altered: the content SHA-256 of its tables does not "
                "match the manifest"
            )
    return manifest
