"""The embedded SQLite database runs in write-ahead-log mode, so a backup's snapshot (or any long
read) does not make a request's or the task worker's write fail with "database is locked"."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.databases import copy_of

READ_DURING_WRITE = """
import sqlite3, sys
from django.db import connection, transaction
from kitclinic.accounts.models import Organization
with transaction.atomic():
    before = Organization.objects.count()           # the snapshot starts here
    other = sqlite3.connect(sys.argv[1], timeout=0.5)
    other.execute("INSERT INTO accounts_organization (name, slug, is_synthetic, created_at) "
                  "VALUES ('Written meanwhile', 'meanwhile', 1, '2026-01-01 00:00:00')")
    other.commit()                                  # not blocked by the open read
    during = Organization.objects.count()
after = Organization.objects.count()
with connection.cursor() as c:
    c.execute("PRAGMA journal_mode")
    mode = c.fetchone()[0]
print(mode, before, during, after)
"""


def test_a_write_commits_while_a_read_transaction_is_open_and_the_reader_keeps_its_snapshot(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    db = tmp_path / "clinic.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": copy_of(migrated_sqlite, db),
        "KITCLINIC_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "kitclinic.config.settings",
    }
    kitclinic = [sys.executable, "-m", "kitclinic"]
    result = subprocess.run(
        [*kitclinic, "shell", "-c", READ_DURING_WRITE.replace("sys.argv[1]", repr(str(db)))],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["wal", "0", "0", "1"]
    # The mode is the file's own: any other client of the file gets it too.
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
