"""Database plumbing shared by the PostgreSQL benchmarks (``web``, ``outcomes``).

Each benchmark runs its load and measure steps in child processes (``python bench/NAME.py ...``)
so that Django is set up once per database; these helpers create the database, set Django up in a
child and run a child, returning the JSON it prints last.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PG_SERVER = os.environ.get("KITCLINIC_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def django_setup(database: str) -> None:
    """Set Django up against ``database`` with production settings (DEBUG off, so no query log),
    except the manifest static storage, which would need collectstatic before the templates'
    {% static %} could render."""
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "kitclinic.config.settings"
    os.environ.setdefault("KITCLINIC_SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    os.environ["KITCLINIC_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["KITCLINIC_SSL_REDIRECT"] = "0"
    os.environ["KITCLINIC_SECURE_COOKIES"] = "0"
    os.environ["KITCLINIC_LOG_LEVEL"] = "ERROR"
    import django
    from django.conf import settings

    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    django.setup()


def ensure_database(name: str) -> None:
    """Create the PostgreSQL database ``name`` unless it exists."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        conn.execute(f'CREATE DATABASE "{name}"')


def run_child(script: str, *args: str) -> dict[str, Any]:
    """Run ``script`` (a benchmark's ``__file__``) with ``args``; its last stdout line as JSON."""
    path = Path(script).resolve()
    done = subprocess.run(
        [sys.executable, str(path), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench/{path.name} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
