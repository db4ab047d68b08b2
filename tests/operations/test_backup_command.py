"""``kitclinic backup`` in the test database (call_command), and the database facts the restore
relies on: what `migrate` seeds, and foreign keys checked only at commit."""

from __future__ import annotations

import json
import re
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection

from kitclinic.audit.models import AuditEvent
from kitclinic.operations import backup as backup_module
from kitclinic.operations.archive import archive_verify
from kitclinic.operations.restore import SEEDED_BY_MIGRATE
from tests.operations.backup_helpers import read_manifest, read_member
from tests.support.rows import row_counts


def _backup(path: Path, *args: str) -> dict:
    out = StringIO()
    call_command("backup", str(path), "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def _model_tables() -> set[str]:
    return {
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if not m._meta.proxy and m._meta.managed
    }


@pytest.mark.django_db(transaction=True)
def test_backup_writes_every_table_with_its_rows_and_its_own_export_event(tmp_path: Path) -> None:
    from tests.factories import MembershipFactory, PatientFactory

    membership = MembershipFactory()
    PatientFactory.create_batch(3, home_clinic=membership.clinic)
    path = tmp_path / "clinic.zip"
    summary = _backup(path)
    manifest = read_manifest(path)
    tables = {t["db_table"]: t for t in manifest["tables"]}
    assert set(tables) == _model_tables()
    assert {t: e["rows"] for t, e in tables.items()} == row_counts()
    assert tables["patients_patient"]["rows"] == 3
    assert "auth_permission" in tables and "accounts_user_groups" in tables
    assert summary["rows"] == manifest["rows"] == sum(row_counts().values())
    assert summary["content_sha256"] == manifest["content_sha256"]
    assert manifest["source"]["vendor"] == connection.vendor
    assert manifest["migrations"]["patients"][0] == "0001_initial"
    assert archive_verify(path).content_sha256 == manifest["content_sha256"]
    export = AuditEvent.objects.get(action="export", object_type="kitclinic.backup")
    audit = tables["audit_auditevent"]
    last = json.loads(read_member(path, audit["member"]).splitlines()[-1])
    assert last[audit["fields"].index("id")] == export.pk
    assert str(path) in export.detail
    # Only the owner may read it, and no partial file is left beside it.
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["clinic.zip"]


@pytest.mark.django_db(transaction=True)
def test_backup_encodes_values_by_field_type(tmp_path: Path) -> None:
    from tests.factories import PatientFactory

    patient = PatientFactory()
    path = tmp_path / "clinic.zip"
    _backup(path)
    entry = next(t for t in read_manifest(path)["tables"] if t["db_table"] == "patients_patient")
    row = dict(zip(entry["fields"], json.loads(read_member(path, entry["member"])), strict=True))
    assert row["id"] == patient.pk
    assert row["date_of_birth"] == patient.date_of_birth.isoformat()
    assert row["created_at"] == patient.created_at.isoformat()
    assert row["created_at"].endswith("+00:00")


@pytest.mark.django_db(transaction=True)
def test_backup_with_force_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "clinic.zip"
    path.write_bytes(b"an older backup")
    _backup(path, "--force")
    assert archive_verify(path).rows > 0


@pytest.mark.django_db
def test_backup_refuses_an_existing_file_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "clinic.zip"
    path.write_bytes(b"last night's backup")
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError) as refusal:
        _backup(path)
    assert refusal.value.returncode == 2
    assert str(refusal.value) == f"{path} already exists; choose a new file name or pass --force"
    assert path.read_bytes() == b"last night's backup"
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "message"),
    [("missing/clinic.zip", "does not exist"), (".", "is a directory")],
)
def test_backup_refuses_a_path_it_cannot_write(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(CommandError) as refusal:
        _backup(tmp_path / name)
    assert refusal.value.returncode == 2
    assert message in str(refusal.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_a_database_error_mid_backup_leaves_no_archive_and_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read fails after some tables were written: the command fails with one line, and
    neither the archive nor its partial file is left behind; the export attempt stays audited."""
    write_table = backup_module._write_table
    written: list[str] = []

    def fail_on_the_third_table(zf, model, **kwargs):  # type: ignore[no-untyped-def]
        if len(written) == 2:
            raise DatabaseError("connection lost")
        written.append(model._meta.db_table)
        return write_table(zf, model, **kwargs)

    monkeypatch.setattr(backup_module, "_write_table", fail_on_the_third_table)
    with pytest.raises(CommandError, match="backup failed, database error: connection lost"):
        _backup(tmp_path / "clinic.zip")
    assert list(tmp_path.iterdir()) == []
    assert AuditEvent.objects.filter(object_type="kitclinic.backup").count() == 1


@pytest.mark.django_db
def test_backup_refuses_to_run_inside_a_transaction(tmp_path: Path) -> None:
    # Its audit event must commit before the snapshot; inside an open transaction it cannot.
    with pytest.raises(CommandError) as refusal:
        _backup(tmp_path / "clinic.zip")
    assert refusal.value.returncode == 2
    assert "outside a transaction" in str(refusal.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_backup_on_postgresql_reads_every_table_in_one_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row committed by another connection while the backup runs is not in the archive."""
    if connection.vendor != "postgresql":
        pytest.skip("the snapshot isolation statement is PostgreSQL's")
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    original = backup_module._write_table
    written: list[str] = []

    def write_table_then_commit_elsewhere(zf, model, **kwargs):  # type: ignore[no-untyped-def]
        if not written:
            # After the first table (accounts_clinic), before audit_auditevent is read.
            with psycopg.connect(**params, autocommit=True) as other:
                other.execute(
                    "INSERT INTO audit_auditevent (occurred_at, actor_role, action, object_type,"
                    " object_id, changes, detail, previous_hash, hash) VALUES (now(), '', 'view',"
                    " 'concurrent', '', '{}', 'committed during the backup', '', '')"
                )
        written.append(model._meta.db_table)
        return original(zf, model, **kwargs)

    monkeypatch.setattr(backup_module, "_write_table", write_table_then_commit_elsewhere)
    path = tmp_path / "clinic.zip"
    _backup(path)
    assert AuditEvent.objects.filter(object_type="concurrent").count() == 1
    assert b"committed during the backup" not in read_member(path, "tables/audit_auditevent.jsonl")
    assert archive_verify(path).rows == sum(row_counts().values()) - 1


@pytest.mark.django_db
def test_a_freshly_migrated_database_has_rows_only_in_the_tables_migrate_seeds() -> None:
    # The restore treats these tables' rows as replaceable; any other row means "not empty".
    seeded = {apps.get_model(label)._meta.db_table for label in SEEDED_BY_MIGRATE}
    filled = {table for table, rows in row_counts().items() if rows}
    assert filled == seeded


@pytest.mark.django_db
def test_every_foreign_key_is_checked_only_at_commit() -> None:
    """The restore inserts tables in any order inside one transaction: that needs every foreign
    key DEFERRABLE INITIALLY DEFERRED, on both engines."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                "WHERE contype = 'f' AND NOT (condeferrable AND condeferred)"
            )
            assert cursor.fetchall() == []
            cursor.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f'")
            assert cursor.fetchone()[0] > 50
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            references = 0
            for name, sql in cursor.fetchall():
                for clause in re.findall(r"REFERENCES [^,]*", sql or ""):
                    references += 1
                    assert "DEFERRABLE INITIALLY DEFERRED" in clause, (name, clause)
            assert references > 50
