"""Background tasks of the interop app (django-tasks, database backend; ``kitclinic db_worker``).

The bulk export's task re-reads its export and does nothing unless it is still accepted, so a
late or repeated run is harmless. Its argument is the export's id only. The service queues the
task, so the task imports its service when it runs."""

from __future__ import annotations

from django_tasks import task


@task()
def bulk_export_run(export_id: int) -> bool:
    from kitclinic.interop.services import bulk

    return bulk.bulk_export_run(export_id=export_id)
