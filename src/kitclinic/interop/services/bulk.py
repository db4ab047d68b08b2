"""FHIR Bulk Data export (``GET /fhir/$export``, docs/fhir.md "Bulk export"): the kick-off
records the export and queues its task; the task writes one NDJSON file per resource type with
the export's own code (``interop/export.py``), reporting progress after each batch of patients
and stopping at the next batch once the export is cancelled; a cancel deletes the files.

Each export is audited three times at most: asked for (create), written (export: who, which
organization, the patients and the count of each resource type), cancelled (update). Each
download of a file is audited as a read by ``interop.access``.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
from collections.abc import Collection
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action, role_may
from kitclinic.audit.models import AuditAction
from kitclinic.audit.services import audit_record
from kitclinic.interop import tasks
from kitclinic.interop.export import patient_ids_changed_since, write_ndjson
from kitclinic.interop.models import BulkExport, BulkExportFile, BulkExportStatus

logger = logging.getLogger(__name__)

RUNNING = (BulkExportStatus.ACCEPTED, BulkExportStatus.IN_PROGRESS)


class ExportBusy(Exception):
    """The organization has an export under way already: one at a time (HTTP 429)."""

    def __init__(self, running: BulkExport) -> None:
        super().__init__("An export of this organization is already under way.")
        self.running = running


class _Cancelled(Exception):
    """The export was cancelled while its task was writing it."""


def export_folder(export: BulkExport) -> Path:
    """Where the export's files are written: ``KITCLINIC_FHIR_EXPORT_DIR/<key>/``."""
    return Path(settings.KITCLINIC_FHIR_EXPORT_DIR) / str(export.key)


def export_file_path(export: BulkExport, resource_type: str) -> Path:
    return export_folder(export) / f"{resource_type}.ndjson"


def _remove_files(export: BulkExport) -> None:
    shutil.rmtree(export_folder(export), ignore_errors=True)


def bulk_export_start(
    *,
    actor: Actor,
    level: str,
    types: Collection[str],
    since: dt.datetime | None,
    request_url: str,
) -> BulkExport:
    """Record an export of the actor's organization and queue its task. ``types`` and
    ``since`` are the checked ``_type`` and ``_since``. Raises PermissionDenied for a role that
    may not export, ExportBusy while another export of the organization is under way."""
    actor.require(Action.FHIR_BULK_EXPORT)
    with transaction.atomic():
        running = (
            BulkExport.objects.select_for_update()
            .filter(organization_id=actor.organization_id, status__in=RUNNING)
            .first()
        )
        if running is not None:
            raise ExportBusy(running)
        export = BulkExport.objects.create(
            key=uuid.uuid4(),
            organization_id=actor.organization_id,
            requested_by=actor.user,
            membership=actor.membership,
            level=level,
            types=sorted(types),
            since=since,
            request_url=request_url,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=export,
            changes={"level": level, "types": sorted(types), "since": since},
            detail=f"FHIR bulk export asked for ({level} level)",
        )
        # The queue is a table of the same database: the task exists if and only if the
        # export does.
        tasks.bulk_export_run.enqueue(export.pk)
    return export


def _failure(exc: Exception) -> str:
    if isinstance(exc, ValueError):  # a record the FHIR model refuses (pydantic)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"A record could not be written as valid FHIR R4: {first.strip()[:200]}"
    return "The export stopped on an error of the server; its log has the details."


def _fail(export: BulkExport, reason: str) -> None:
    BulkExport.objects.filter(pk=export.pk, status__in=RUNNING).update(
        status=BulkExportStatus.FAILED, finished_at=timezone.now(), error=reason
    )
    _remove_files(export)


def bulk_export_run(*, export_id: int) -> bool:
    """Write an accepted export (the task). Does nothing for an export that is no longer
    accepted (run already, cancelled), so a repeated run is harmless. True when written."""
    with transaction.atomic():
        export = (
            BulkExport.objects.select_for_update()
            .select_related("organization", "requested_by", "membership__clinic")
            .filter(pk=export_id)
            .first()
        )
        if export is None or export.status != BulkExportStatus.ACCEPTED:
            return False
        export.status = BulkExportStatus.IN_PROGRESS
        export.transaction_time = timezone.now()
        patient_ids = patient_ids_changed_since(export.organization, export.since)
        export.patients_total = len(patient_ids)
        export.save(update_fields=["status", "transaction_time", "patients_total"])
    membership = export.membership
    if not (membership.is_active and role_may(membership.role, Action.FHIR_BULK_EXPORT)):
        _fail(export, "The role that asked for this export no longer allows exporting.")
        return False

    export_pk = export.pk

    def progress(done: int) -> None:
        # Committed at once: the status URL shows it while the export runs.
        still = BulkExport.objects.filter(pk=export_pk, status=BulkExportStatus.IN_PROGRESS).update(
            patients_done=done
        )
        if not still:
            raise _Cancelled

    folder = export_folder(export)
    _remove_files(export)
    folder.mkdir(parents=True)
    try:
        counts = write_ndjson(
            export.organization, patient_ids, folder, types=export.types, progress=progress
        )
    except _Cancelled:
        _remove_files(export)
        return False
    except Exception as exc:
        logger.exception("FHIR bulk export %s failed", export.key)
        _fail(export, _failure(exc))
        return False
    with transaction.atomic():
        export = BulkExport.objects.select_for_update().get(pk=export.pk)
        if export.status != BulkExportStatus.IN_PROGRESS:  # cancelled after the last batch
            _remove_files(export)
            return False
        BulkExportFile.objects.bulk_create(
            BulkExportFile(
                export=export,
                resource_type=kind,
                count=count,
                size_bytes=export_file_path(export, kind).stat().st_size,
            )
            for kind, count in sorted(counts.items())
        )
        export.status = BulkExportStatus.COMPLETED
        export.finished_at = timezone.now()
        export.patients_done = len(patient_ids)
        export.save(update_fields=["status", "finished_at", "patients_done"])
        audit_record(
            actor=Actor(user=export.requested_by, membership=membership),
            action=AuditAction.EXPORT,
            obj=export,
            changes={
                "format": "ndjson",
                "level": export.level,
                "patients": len(patient_ids),
                "patient_ids": patient_ids,
                "resources": dict(sorted(counts.items())),
            },
            detail=(
                f"FHIR bulk export of {len(patient_ids)} patient(s), "
                f"{sum(counts.values())} resources"
            ),
        )
    return True


def bulk_export_cancel(*, actor: Actor, export: BulkExport) -> BulkExport:
    """Cancel an export under way, or delete a finished one's files (``DELETE`` on its status
    URL): its files go, its row stays as the audit trail names it, its URLs answer 404."""
    actor.require(Action.FHIR_BULK_EXPORT)
    with transaction.atomic():
        export = BulkExport.objects.select_for_update().get(pk=export.pk)
        before = export.status
        export.status = BulkExportStatus.CANCELLED
        export.finished_at = export.finished_at or timezone.now()
        export.save(update_fields=["status", "finished_at"])
        export.files.all().delete()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=export,
            changes={"status": [before, BulkExportStatus.CANCELLED.value]},
            detail="FHIR bulk export cancelled and its files deleted",
        )
        transaction.on_commit(lambda: _remove_files(export))
    return export
