"""Relabel the sources of stored drug-library versions with their docs/sources.md keys.

Versions installed from the shipped default (and drafts copied from it) name their sources by
sections of notes that never shipped with kitclinic. This rewrites only those provenance labels:
a figure's ``source`` (or a protocol's ``notes``) is replaced when, at the same place (protocol
id, field, threshold code), it is exactly the text the default shipped; every value, version
number, status and approval stays as it was, and a source a clinic wrote itself is left alone.
``library_source_keys.json`` holds each place with its old and new label, frozen here so later
changes to the default library cannot change what this migration does.

Each relabelled version gets an audit event (system actor) on its organization's hash chain.
Findings already stored on orders and discharges are signed clinical records and keep the labels
shown when they were made.
"""

import json
from pathlib import Path
from typing import Any

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db import migrations
from django.utils import timezone

from kitclinic.audit.chain import GENESIS_HASH, chain_key, event_digest

RELABEL_FILE = Path(__file__).with_name("library_source_keys.json")


def _rows() -> dict[str, tuple[Any, Any]]:
    rows = json.loads(RELABEL_FILE.read_text(encoding="utf-8"))
    return {path: (old, new) for path, old, new in rows}


def _walk(node: Any, path: str, rows: dict[str, tuple[Any, Any]]) -> Any:
    if isinstance(node, dict):
        if "value" in node and "source" in node:
            old, new = rows.get(path, (None, None))
            if old is not None and node["source"] == old:
                return {**node, "source": new}
            return node
        out = {}
        for key, value in node.items():
            if key == "notes":
                old, new = rows.get(f"{path}/notes", (None, None))
                out[key] = new if old is not None and value == old else value
            else:
                out[key] = _walk(value, f"{path}/{key}", rows)
        return out
    if isinstance(node, list):
        out_list = []
        for i, item in enumerate(node):
            key = str(i)
            if isinstance(item, dict):
                key = str(item.get("id") or item.get("code") or i)
            out_list.append(_walk(item, f"{path}/{key}", rows))
        return out_list
    return node


def relabel(data: Any, rows: dict[str, tuple[Any, Any]] | None = None) -> Any:
    """``data`` (a stored library dict) with the shipped default's old source labels replaced."""
    return _walk(data, "", _rows() if rows is None else rows)


def _audit(apps: StateApps, organization_id: int, version_pk: int, number: int) -> None:
    """The system's audit event for one relabelled version, appended to its organization's chain
    as ``kitclinic.audit.services.chain_append`` does (historical models, so no app code)."""
    from kitclinic.audit.services import event_content

    AuditEvent = apps.get_model("audit", "AuditEvent")
    Head = apps.get_model("audit", "AuditChainHead")
    key = chain_key(organization_id)
    Head.objects.get_or_create(chain=key, defaults={"last_hash": GENESIS_HASH})
    head = Head.objects.select_for_update().get(chain=key)
    event = AuditEvent(
        occurred_at=timezone.now(),
        organization_id=organization_id,
        action="update",
        object_type="infusions.druglibraryversion",
        object_id=str(version_pk),
        changes={"source_labels": ["notes outside the repository", "docs/sources.md keys"]},
        detail=f"v{number}: source labels replaced by docs/sources.md keys; no figure changed "
        "(migration 0008).",
        client_address=None,
    )
    event.previous_hash = head.last_hash
    event.hash = event_digest(event_content(event), head.last_hash)
    event.save()
    head.last_event_id, head.last_hash, head.length = event.pk, event.hash, head.length + 1
    head.save(update_fields=["last_event_id", "last_hash", "length"])


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Version = apps.get_model("infusions", "DrugLibraryVersion")
    rows = _rows()
    stored = Version.objects.order_by("pk").values_list("pk", "organization_id", "number", "data")
    for pk, organization_id, number, data in stored:
        new = relabel(data, rows)
        if new != data:
            # update(): approved versions refuse save(); only the labels change, not a figure.
            Version.objects.filter(pk=pk).update(data=new)
            _audit(apps, organization_id, pk, number)


class Migration(migrations.Migration):
    dependencies = [
        ("infusions", "0007_delivered_dose"),
        ("audit", "0003_hash_chain"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
