"""``kitclinic backup`` and ``kitclinic restore``: moving a clinic from SQLite to PostgreSQL (or to
another SQLite file) keeps every row, every audit event and every controlled-substance balance;
every refusal exits with status 2, names the problem and writes nothing.

The source is a demo clinic built by the console script in subprocesses, as an operator would;
the refusals restore into the test database (SQLite or PostgreSQL, as DATABASE_URL selects).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from kitclinic.audit.append_only import AppendOnlyError
from kitclinic.audit.models import AuditEvent
from tests.operations.backup_helpers import (
    dump_database,
    read_manifest,
    read_member,
    rezip,
)
from tests.processes import run_kitclinic
from tests.support.databases import built_once, copy_of, run_directory
from tests.support.rows import row_counts

AUDIT_TABLE = "audit_auditevent"
CHAIN_HEAD_TABLE = "audit_auditchainhead"


@dataclass(frozen=True)
class DemoSource:
    database_url: str
    archive: Path
    dump: dict[str, Any]


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory: pytest.TempPathFactory, demo_sqlite: Path) -> DemoSource:
    """A demo clinic in a SQLite file (a copy of the run's, migrated and seeded by the console
    script), backed up by the console script; its full dump. Made once per run: the tests only
    read the file and the archive (a refused restore writes nothing)."""

    def build(root: Path) -> None:
        root.mkdir()
        url = copy_of(demo_sqlite, root / "source.sqlite3")
        run_kitclinic("backup", str(root / "clinic-backup.zip"), database_url=url)
        (root / "dump.json").write_text(json.dumps(dump_database(url)))

    root = built_once(run_directory(tmp_path_factory), "backup-source", build)
    return DemoSource(
        database_url=f"sqlite:///{root / 'source.sqlite3'}",
        archive=root / "clinic-backup.zip",
        dump=json.loads((root / "dump.json").read_text()),
    )


# --- moving a clinic ----------------------------------------------------------------------------


def _rows(dump: dict[str, Any], table: str) -> tuple[list[str], list[list[Any]]]:
    columns, *rows = dump["tables"][table]
    return columns, rows


def _sorted(rows: list[list[Any]]) -> list[list[Any]]:
    # Rows are in primary-key order; text keys (sessions, tokens) may collate differently.
    return sorted(rows, key=lambda row: json.dumps(row))


def assert_same_clinic(before: dict[str, Any], after: dict[str, Any]) -> None:
    """``after`` (restored) holds exactly ``before``'s rows, plus the one restore audit event."""
    assert sorted(after["tables"]) == sorted(before["tables"])
    counts_before = {t: len(rows) - 1 for t, rows in before["tables"].items()}
    counts_after = {t: len(rows) - 1 for t, rows in after["tables"].items()}
    assert counts_after == {**counts_before, AUDIT_TABLE: counts_before[AUDIT_TABLE] + 1}
    for table in before["tables"]:
        columns, rows_before = _rows(before, table)
        columns_after, rows_after = _rows(after, table)
        assert columns_after == columns, table
        if table == AUDIT_TABLE:
            # Every audit event identical, field by field and in order; then the restore's own.
            assert rows_after[: len(rows_before)] == rows_before
            restore_event = dict(zip(columns, rows_after[-1], strict=True))
            assert (restore_event["action"], restore_event["object_type"]) == (
                "create",
                "kitclinic.restore",
            )
        elif table == CHAIN_HEAD_TABLE:
            # the restore's own event moved the head of its chain by one; the others are kept
            heads_before = {row[columns.index("chain")]: row for row in rows_before}
            for row in rows_after:
                head = dict(zip(columns, row, strict=True))
                old = dict(zip(columns, heads_before.get(head["chain"], row), strict=True))
                if head != old:
                    assert head["length"] == old["length"] + 1, head
                    assert head["last_event_id"] == restore_event["id"], head
        else:
            assert _sorted(rows_after) == _sorted(rows_before), table
    assert before["balances"], "the demo clinic has controlled-substance lots"
    assert after["balances"] == before["balances"]


def _restore_into(source: DemoSource, database_url: str) -> dict[str, Any]:
    """Restore ``source``'s archive into the migrated, empty database at ``database_url``."""
    result = run_kitclinic("restore", str(source.archive), "--json", database_url=database_url)
    summary = json.loads(result.stdout)
    # the restored trail's hash chain is intact, the restore's own event included
    assert "BROKEN" not in run_kitclinic("audit", "verify", database_url=database_url).stdout
    assert summary["content_sha256"] == read_manifest(source.archive)["content_sha256"]
    after = dump_database(database_url, probe=True)
    assert_same_clinic(source.dump, after)
    probe = after["probe"]
    highest, created = probe["organization_ids"]
    assert created > highest, "a new row must get a fresh id after the restore"
    assert probe["model_update"] == "refused"
    if probe["vendor"] == "postgresql":
        assert probe[f"sql_update_{AUDIT_TABLE}"] == "refused"
        assert probe["sql_update_substances_substancelogentry"] == "refused"
    return after


@pytest.mark.slow
def test_the_archive_holds_its_own_export_event(demo_source: DemoSource) -> None:
    # The event is committed before the snapshot is taken: the archive records its own export.
    columns, events = _rows(demo_source.dump, AUDIT_TABLE)
    last = dict(zip(columns, events[-1], strict=True))
    assert (last["action"], last["object_type"]) == ("export", "kitclinic.backup")
    entry = next(
        t for t in read_manifest(demo_source.archive)["tables"] if t["db_table"] == AUDIT_TABLE
    )
    lines = read_member(demo_source.archive, entry["member"]).splitlines()
    assert entry["rows"] == len(lines) == len(events)
    archived = dict(zip(entry["fields"], json.loads(lines[-1]), strict=True))
    assert (archived["id"], archived["action"], archived["object_type"]) == (
        last["id"],
        "export",
        "kitclinic.backup",
    )


@pytest.mark.slow
def test_sqlite_to_sqlite_keeps_every_row_audit_event_and_balance(
    demo_source: DemoSource, migrated_sqlite: Path, tmp_path: Path
) -> None:
    target = copy_of(migrated_sqlite, tmp_path / "target.sqlite3")
    _restore_into(demo_source, target)


@pytest.mark.slow
def test_sqlite_to_postgresql_and_back_keeps_every_row_audit_event_and_balance(
    demo_source: DemoSource, migrated_sqlite: Path, migrated_postgres, tmp_path: Path
) -> None:
    postgres = migrated_postgres.create()  # a copy of the run's migrated database
    try:
        _restore_into(demo_source, postgres.url)
        # And back: PostgreSQL's archive (now also holding the probe's rows and a second export
        # event) restored into a new SQLite file.
        archive = tmp_path / "from-postgresql.zip"
        run_kitclinic("backup", str(archive), database_url=postgres.url)
        before = dump_database(postgres.url)
    finally:
        postgres.drop()
    back_url = copy_of(migrated_sqlite, tmp_path / "back.sqlite3")
    run_kitclinic("restore", str(archive), database_url=back_url)
    assert_same_clinic(before, dump_database(back_url))


# --- restoring into the test database -----------------------------------------------------------


def _restore(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("restore", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_restore_loads_every_table_of_the_manifest_and_audits_it(demo_source: DemoSource) -> None:
    manifest = read_manifest(demo_source.archive)
    output = _restore(demo_source.archive)
    assert f"{len(manifest['tables'])} tables, {manifest['rows']} rows" in output
    assert manifest["content_sha256"] in output
    counts = row_counts()
    expected = {t["db_table"]: t["rows"] for t in manifest["tables"]}
    assert counts == {**expected, AUDIT_TABLE: expected[AUDIT_TABLE] + 1}
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.object_type) == ("create", "kitclinic.restore")
    assert manifest["content_sha256"] in event.detail
    assert str(demo_source.archive) in event.detail


@pytest.mark.django_db
def test_after_a_restore_new_rows_get_fresh_ids_and_history_stays_append_only(
    demo_source: DemoSource,
) -> None:
    from tests.factories import OrganizationFactory, PatientFactory

    _restore(demo_source.archive)
    from kitclinic.patients.models import Patient

    highest = max(Patient.objects.values_list("pk", flat=True))
    assert PatientFactory(home_clinic__organization=OrganizationFactory()).pk > highest
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(detail="rewritten")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE audit_auditevent SET detail = 'rewritten'")


def _refused(path: Path, fragment: str) -> str:
    """Restore ``path``: refused with exit status 2, a message holding ``fragment``, no writes."""
    before = row_counts()
    with pytest.raises(CommandError) as refusal:
        _restore(path)
    message = str(refusal.value)
    assert refusal.value.returncode == 2, message
    assert fragment in message
    assert "\n" not in message
    assert row_counts() == before
    return message


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(demo_source: DemoSource) -> None:
    from tests.factories import OrganizationFactory

    OrganizationFactory()
    _refused(demo_source.archive, "the database is not empty: accounts_organization (1 row)")


def _data_offset(path: Path, member: str) -> tuple[int, int]:
    """Where ``member``'s compressed bytes start in the file, and how many there are."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    with path.open("rb") as handle:
        handle.seek(info.header_offset + 26)
        name_length = int.from_bytes(handle.read(2), "little")
        extra_length = int.from_bytes(handle.read(2), "little")
    return info.header_offset + 30 + name_length + extra_length, info.compress_size


@pytest.mark.django_db
@pytest.mark.parametrize(
    "member", ["tables/audit_auditevent.jsonl", "tables/patients_patient.jsonl"]
)
def test_restore_refuses_an_archive_with_one_flipped_byte(
    demo_source: DemoSource, tmp_path: Path, member: str
) -> None:
    data = bytearray(demo_source.archive.read_bytes())
    start, size = _data_offset(demo_source.archive, member)
    data[start + size // 2] ^= 0x01
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    _refused(damaged, "is corrupted")


@pytest.mark.django_db
def test_restore_refuses_a_truncated_archive(demo_source: DemoSource, tmp_path: Path) -> None:
    data = demo_source.archive.read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    _refused(truncated, "is truncated or damaged")


@pytest.mark.django_db
@pytest.mark.parametrize("content", [os.urandom(4096), b""], ids=["random", "empty"])
def test_restore_refuses_a_file_that_is_not_an_archive(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "not-a-backup.zip"
    path.write_bytes(content)
    _refused(path, "is not a kitclinic backup archive (not a zip file)")


@pytest.mark.django_db
def test_restore_refuses_a_zip_without_manifest_and_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    _refused(path, "is not a kitclinic backup archive (it has no manifest.json)")
    _refused(tmp_path / "absent.zip", "does not exist")


@pytest.mark.django_db
def test_restore_refuses_an_archive_from_a_newer_schema_and_names_the_migration(
    demo_source: DemoSource, tmp_path: Path
) -> None:
    manifest = read_manifest(demo_source.archive)
    manifest["migrations"]["patients"].append("0099_from_a_newer_kitclinic")
    tampered = tmp_path / "newer.zip"
    rezip(demo_source.archive, tampered, manifest=manifest)
    message = _refused(tampered, "the archive is from a newer schema")
    assert "patients.0099_from_a_newer_kitclinic" in message


@pytest.mark.django_db
def test_restore_refuses_an_archive_from_an_older_schema_and_names_the_version_to_use(
    demo_source: DemoSource, tmp_path: Path
) -> None:
    manifest = read_manifest(demo_source.archive)
    dropped = manifest["migrations"]["infusions"].pop()
    manifest["kitclinic_version"] = "0.0.9"
    tampered = tmp_path / "older.zip"
    rezip(demo_source.archive, tampered, manifest=manifest)
    message = _refused(tampered, "the archive is from an older schema")
    assert f"infusions.{dropped}" in message
    assert "restore it with kitclinic 0.0.9" in message


def _edited_patients(archive: Path) -> tuple[str, bytes]:
    """The patients member with the first patient's family name changed."""
    member = "tables/patients_patient.jsonl"
    entry = next(t for t in read_manifest(archive)["tables"] if t["member"] == member)
    column = entry["fields"].index("family_name")
    first, rest = read_member(archive, member).split(b"\n", 1)
    row = json.loads(first)
    row[column] += "x"
    return member, json.dumps(row).encode() + b"\n" + rest


@pytest.mark.django_db
def test_restore_refuses_a_table_changed_after_the_backup(
    demo_source: DemoSource, tmp_path: Path
) -> None:
    member, edited = _edited_patients(demo_source.archive)
    tampered = tmp_path / "edited.zip"
    rezip(demo_source.archive, tampered, members={member: edited})
    _refused(tampered, f"{member} does not match its SHA-256 in the manifest")


@pytest.mark.django_db
def test_restore_refuses_a_table_changed_with_its_own_digest_updated(
    demo_source: DemoSource, tmp_path: Path
) -> None:
    # The manifest's per-table SHA-256 forged to match: the content SHA-256 still catches it.
    member, edited = _edited_patients(demo_source.archive)
    manifest = read_manifest(demo_source.archive)
    for table in manifest["tables"]:
        if table["member"] == member:
            table["sha256"] = hashlib.sha256(edited).hexdigest()
    tampered = tmp_path / "forged.zip"
    rezip(demo_source.archive, tampered, manifest=manifest, members={member: edited})
    _refused(tampered, "the content SHA-256 of its tables does not match the manifest")


def _reseal(source: Path, target: Path, manifest: dict[str, Any], edited: dict[str, bytes]) -> None:
    """``source`` with members replaced and every digest recomputed as docs/backup.md defines
    them: an archive that passes every check before the load."""
    members = {t["member"]: read_member(source, t["member"]) for t in manifest["tables"]}
    members.update(edited)
    for table in manifest["tables"]:
        table["sha256"] = hashlib.sha256(members[table["member"]]).hexdigest()
    manifest["content_sha256"] = hashlib.sha256(
        b"".join(members[t["member"]] for t in manifest["tables"])
    ).hexdigest()
    rezip(source, target, manifest=manifest, members=edited)


@pytest.mark.django_db
def test_a_consistent_archive_with_a_dangling_reference_is_rolled_back_entirely(
    demo_source: DemoSource, tmp_path: Path
) -> None:
    # Digests all recomputed, so every check before the load passes: the load itself fails at
    # the constraint check, after the migration-seeded rows were replaced, and must undo it all.
    manifest = read_manifest(demo_source.archive)
    member = "tables/patients_patient.jsonl"
    entry = next(t for t in manifest["tables"] if t["member"] == member)
    column = entry["fields"].index("home_clinic_id")
    first, rest = read_member(demo_source.archive, member).split(b"\n", 1)
    row = json.loads(first)
    row[column] = 999_999_999
    edited = json.dumps(row).encode() + b"\n" + rest
    members = {
        t["member"]: read_member(demo_source.archive, t["member"]) for t in manifest["tables"]
    }
    members[member] = edited
    entry["sha256"] = hashlib.sha256(edited).hexdigest()
    manifest["content_sha256"] = hashlib.sha256(
        b"".join(members[t["member"]] for t in manifest["tables"])
    ).hexdigest()
    tampered = tmp_path / "dangling.zip"
    rezip(demo_source.archive, tampered, manifest=manifest, members={member: edited})
    from django.contrib.contenttypes.models import ContentType

    content_types = list(ContentType.objects.order_by("pk").values_list("pk", "app_label", "model"))
    _refused(tampered, "the archive's rows break a database constraint")
    assert (
        list(ContentType.objects.order_by("pk").values_list("pk", "app_label", "model"))
        == content_types
    )


@pytest.mark.django_db
def test_a_value_postgresql_refuses_rolls_the_restore_back_naming_the_table(
    demo_source: DemoSource, tmp_path: Path
) -> None:
    # SQLite stores a text longer than its column; PostgreSQL refuses it. The digests match, so
    # the load itself meets the refusal, after the migration-seeded rows were replaced.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce the length of a text column")
    manifest = read_manifest(demo_source.archive)
    member = f"tables/{AUDIT_TABLE}.jsonl"
    entry = next(t for t in manifest["tables"] if t["member"] == member)
    first, rest = read_member(demo_source.archive, member).split(b"\n", 1)
    row = json.loads(first)
    row[entry["fields"].index("actor_role")] = "x" * 21  # max_length=20
    edited = json.dumps(row).encode() + b"\n" + rest
    tampered = tmp_path / "too-long.zip"
    _reseal(demo_source.archive, tampered, manifest, {member: edited})
    _refused(tampered, "the database refused a row of audit_auditevent (value too long")


@pytest.mark.django_db
def test_restore_refuses_an_archive_of_a_later_format(
    demo_source: DemoSource, tmp_path: Path
) -> None:
    manifest = read_manifest(demo_source.archive)
    manifest["format_version"] = 2
    tampered = tmp_path / "format2.zip"
    rezip(demo_source.archive, tampered, manifest=manifest)
    _refused(tampered, "the archive has format version 2; this kitclinic reads version 1")


def test_verify_only_checks_the_archive_without_a_database(
    demo_source: DemoSource, tmp_path: Path
) -> None:
    out = StringIO()
    call_command("restore", str(demo_source.archive), "--verify-only", "--json", stdout=out)
    verified = json.loads(out.getvalue())
    assert verified["content_sha256"] == read_manifest(demo_source.archive)["content_sha256"]
    data = demo_source.archive.read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[:-100])
    with pytest.raises(CommandError) as refusal:
        call_command("restore", str(truncated), "--verify-only")
    assert refusal.value.returncode == 2


def test_the_console_script_refuses_with_status_2_and_no_traceback(
    demo_source: DemoSource, tmp_path: Path
) -> None:
    path = tmp_path / "random.zip"
    path.write_bytes(os.urandom(1000))
    result = run_kitclinic("restore", str(path), database_url=demo_source.database_url, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"CommandError: {path} is not a kitclinic backup archive (not a zip file)"
    )
    existing = run_kitclinic(
        "backup", str(demo_source.archive), database_url=demo_source.database_url, check=False
    )
    assert existing.returncode == 2
    assert "already exists" in existing.stderr
    assert "Traceback" not in existing.stderr
    never_migrated = tmp_path / "never-migrated.sqlite3"
    unmigrated = run_kitclinic(
        "restore", str(demo_source.archive), database_url=f"sqlite:///{never_migrated}", check=False
    )
    assert unmigrated.returncode == 2
    assert "the database is not fully migrated" in unmigrated.stderr
    assert "run `kitclinic migrate` first" in unmigrated.stderr
    assert "Traceback" not in unmigrated.stderr
