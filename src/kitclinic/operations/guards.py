"""Immutability at the database: triggers that hold whatever client writes (raw SQL, another
program, a bug below the model layer).

The models and services refuse these writes first, with clear messages; the triggers make sure
no other path can:

- **a signed infusion session** cannot be deleted or changed, except its ``number`` (its place
  in the course, renumbered when a booking is added or cancelled; each change audited);
- **every record under a session** (check-in and its corrections, order, returned orders,
  double check, pump events, vitals, scores, adverse events, discharge) cannot be changed or
  deleted once its session is signed;
- **an eligibility decision** is signed when written: it cannot be deleted, and the only change
  is being superseded once (``superseded_by_id``, ``superseded_at`` set from empty);
- **append-only records** (addenda, published information sheets, consents; the audit trail and
  the controlled-substance log have had their own triggers since their first migrations) cannot
  be changed or deleted;
- on PostgreSQL, **TRUNCATE** of any of these tables is refused.

Maintenance: a database flush in the test suite, a restore into an empty database or a data
migration that must rewrite such rows sets the connection's maintenance mode for its own
transaction (:func:`maintenance_sql`): on PostgreSQL ``SET LOCAL kitclinic.maintenance = 'on'``,
on SQLite a row in ``kitclinic_maintenance``. An account that can do that can also disable
triggers; what such an account changes in the audit trail is found by ``kitclinic audit verify``
(the hash chain). SQLite triggers list the guarded columns when they are installed; PostgreSQL
compares whole rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MAINTENANCE_TABLE = "kitclinic_maintenance"
SESSION_TABLE = "infusions_infusionsession"


@dataclass(frozen=True)
class Guard:
    table: str
    kind: str  # "session" | "session_record" | "decision" | "append_only" | "truncate_only"


GUARDS: tuple[Guard, ...] = (
    Guard(SESSION_TABLE, "session"),
    *(
        Guard(f"infusions_{name}", "session_record")
        for name in (
            "checkin",
            "checkincorrection",
            "infusionorder",
            "returnedorder",
            "doublecheck",
            "sessionevent",
            "vitalsign",
            "sessionscore",
            "adverseevent",
            "discharge",
        )
    ),
    Guard("patients_eligibilitydecision", "decision"),
    Guard("infusions_addendum", "append_only"),
    Guard("outcomes_infosheetversion", "append_only"),
    Guard("outcomes_consentrecord", "append_only"),
    # row triggers of their own since their first migrations; TRUNCATE is refused here
    Guard("audit_auditevent", "truncate_only"),
    *(
        Guard(f"substances_{name}", "truncate_only")
        for name in ("substancelot", "substancelogentry", "reconciliation", "reconciliationline")
    ),
)

# Columns whose change a signed row allows.
SESSION_MAY_CHANGE = ("number",)
DECISION_MAY_CHANGE = ("superseded_by_id", "superseded_at")


def maintenance_sql(vendor: str, on: bool) -> list[str]:
    """The statements that switch the guards off (``on=True``) or on again for this transaction."""
    if vendor == "postgresql":
        return [f"SET LOCAL kitclinic.maintenance = '{'on' if on else 'off'}'"]
    if on:
        return [f"INSERT INTO {MAINTENANCE_TABLE} (flag) VALUES (1)"]
    return [f"DELETE FROM {MAINTENANCE_TABLE}"]


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_keys(columns: Iterable[str]) -> str:
    return " - ".join(f"'{c}'" for c in columns)


PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION kitclinic_in_maintenance() RETURNS boolean AS $$
    SELECT coalesce(current_setting('kitclinic.maintenance', true), '') = 'on';
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION kitclinic_guard_session() RETURNS trigger AS $$
BEGIN
    IF kitclinic_in_maintenance() OR OLD.state <> 'signed' THEN
        RETURN coalesce(NEW, OLD);
    END IF;
    IF TG_OP = 'DELETE' OR (to_jsonb(NEW) - {_pg_keys(SESSION_MAY_CHANGE)})
            IS DISTINCT FROM (to_jsonb(OLD) - {_pg_keys(SESSION_MAY_CHANGE)}) THEN
        RAISE EXCEPTION 'session % is signed: % refused (write an addendum)', OLD.id, TG_OP;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION kitclinic_guard_session_record() RETURNS trigger AS $$
BEGIN
    IF NOT kitclinic_in_maintenance() AND EXISTS (
        SELECT 1 FROM {SESSION_TABLE} WHERE id = OLD.session_id AND state = 'signed'
    ) THEN
        RAISE EXCEPTION '%: session % is signed: % refused (write an addendum)',
            TG_TABLE_NAME, OLD.session_id, TG_OP;
    END IF;
    RETURN coalesce(NEW, OLD);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION kitclinic_guard_decision() RETURNS trigger AS $$
BEGIN
    IF kitclinic_in_maintenance() THEN
        RETURN coalesce(NEW, OLD);
    END IF;
    IF TG_OP = 'DELETE' OR OLD.superseded_by_id IS NOT NULL
            OR (to_jsonb(NEW) - {_pg_keys(DECISION_MAY_CHANGE)})
               IS DISTINCT FROM (to_jsonb(OLD) - {_pg_keys(DECISION_MAY_CHANGE)}) THEN
        RAISE EXCEPTION 'eligibility decision % is signed: % refused (sign a new decision)',
            OLD.id, TG_OP;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION kitclinic_guard_append_only() RETURNS trigger AS $$
BEGIN
    IF kitclinic_in_maintenance() THEN
        RETURN coalesce(NEW, OLD);
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION kitclinic_guard_truncate() RETURNS trigger AS $$
BEGIN
    IF NOT kitclinic_in_maintenance() THEN
        RAISE EXCEPTION '%: TRUNCATE refused (the table keeps a permanent record)', TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

PG_ROW_FUNCTION = {
    "session": "kitclinic_guard_session",
    "session_record": "kitclinic_guard_session_record",
    "decision": "kitclinic_guard_decision",
    "append_only": "kitclinic_guard_append_only",
}


def postgresql_install() -> list[str]:
    statements = [PG_FUNCTIONS]
    for guard in GUARDS:
        if guard.kind in PG_ROW_FUNCTION:
            statements.append(
                f"CREATE TRIGGER {guard.table}_guard BEFORE UPDATE OR DELETE ON {guard.table} "
                f"FOR EACH ROW EXECUTE FUNCTION {PG_ROW_FUNCTION[guard.kind]}();"
            )
        statements.append(
            f"CREATE TRIGGER {guard.table}_no_truncate BEFORE TRUNCATE ON {guard.table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION kitclinic_guard_truncate();"
        )
    return statements


def postgresql_uninstall() -> list[str]:
    statements = []
    for guard in GUARDS:
        statements.append(f"DROP TRIGGER IF EXISTS {guard.table}_guard ON {guard.table};")
        statements.append(f"DROP TRIGGER IF EXISTS {guard.table}_no_truncate ON {guard.table};")
    for name in (*PG_ROW_FUNCTION.values(), "kitclinic_guard_truncate", "kitclinic_in_maintenance"):
        statements.append(f"DROP FUNCTION IF EXISTS {name}();")
    return statements


# --- SQLite -----------------------------------------------------------------------------------

NOT_MAINTENANCE = f"NOT EXISTS (SELECT 1 FROM {MAINTENANCE_TABLE})"


def _changed(columns: Iterable[str]) -> str:
    return "(" + " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in columns) + ")"


def sqlite_install(columns_of: dict[str, list[str]]) -> list[str]:
    """``columns_of``: each guarded table's columns (read from the models when installing)."""
    statements = [f"CREATE TABLE IF NOT EXISTS {MAINTENANCE_TABLE} (flag integer NOT NULL)"]
    for guard in GUARDS:
        t = guard.table
        if guard.kind == "session":
            kept = [c for c in columns_of[t] if c not in SESSION_MAY_CHANGE]
            conditions = {
                "update": f"OLD.state = 'signed' AND {_changed(kept)}",
                "delete": "OLD.state = 'signed'",
            }
            message = "the session is signed"
        elif guard.kind == "session_record":
            signed = f"EXISTS (SELECT 1 FROM {SESSION_TABLE} WHERE id = OLD.session_id AND state = 'signed')"
            conditions = {"update": signed, "delete": signed}
            message = "its session is signed"
        elif guard.kind == "decision":
            kept = [c for c in columns_of[t] if c not in DECISION_MAY_CHANGE]
            conditions = {
                "update": f"(OLD.superseded_by_id IS NOT NULL OR {_changed(kept)})",
                "delete": "1",
            }
            message = "a signed eligibility decision is only superseded"
        elif guard.kind == "append_only":
            conditions = {"update": "1", "delete": "1"}
            message = "append-only"
        else:
            continue
        for op, condition in conditions.items():
            statements.append(
                f"CREATE TRIGGER {t}_guard_{op} BEFORE {op.upper()} ON {t} "
                f"WHEN {NOT_MAINTENANCE} AND {condition} "
                f"BEGIN SELECT RAISE(ABORT, '{t}: {op.upper()} refused ({message})'); END;"
            )
    return statements


def sqlite_uninstall() -> list[str]:
    statements = []
    for guard in GUARDS:
        for op in ("update", "delete"):
            statements.append(f"DROP TRIGGER IF EXISTS {guard.table}_guard_{op};")
    statements.append(f"DROP TABLE IF EXISTS {MAINTENANCE_TABLE};")
    return statements


def install(schema_editor: Any, columns_of: dict[str, list[str]]) -> None:
    vendor = schema_editor.connection.vendor
    statements = postgresql_install() if vendor == "postgresql" else sqlite_install(columns_of)
    for statement in statements:
        # params=None: the SQL holds literal % signs (RAISE formats)
        schema_editor.execute(statement, params=None)


def uninstall(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = postgresql_uninstall() if vendor == "postgresql" else sqlite_uninstall()
    for statement in statements:
        schema_editor.execute(statement, params=None)


# --- Append-only tables of apps above this one ------------------------------------------------


def append_only_install(vendor: str, tables: Iterable[str]) -> list[str]:
    """The statements that make ``tables`` append-only, as ``GUARDS`` does for its own (UPDATE,
    DELETE and on PostgreSQL TRUNCATE refused outside maintenance mode): for an app that sits
    above this one and installs the guards in its own migration, after this app's first."""
    statements = []
    for t in tables:
        if vendor == "postgresql":
            statements += [
                f"CREATE TRIGGER {t}_guard BEFORE UPDATE OR DELETE ON {t} "
                "FOR EACH ROW EXECUTE FUNCTION kitclinic_guard_append_only();",
                f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
                "FOR EACH STATEMENT EXECUTE FUNCTION kitclinic_guard_truncate();",
            ]
        else:
            statements += [
                f"CREATE TRIGGER {t}_guard_{op} BEFORE {op.upper()} ON {t} "
                f"WHEN {NOT_MAINTENANCE} "
                f"BEGIN SELECT RAISE(ABORT, '{t}: {op.upper()} refused (append-only)'); END;"
                for op in ("update", "delete")
            ]
    return statements


def append_only_uninstall(vendor: str, tables: Iterable[str]) -> list[str]:
    statements = []
    for t in tables:
        if vendor == "postgresql":
            statements += [
                f"DROP TRIGGER IF EXISTS {t}_guard ON {t};",
                f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};",
            ]
        else:
            statements += [f"DROP TRIGGER IF EXISTS {t}_guard_{op};" for op in ("update", "delete")]
    return statements
