"""Background tasks (django-tasks, database backend). Run workers with ``kitclinic db_worker``;
several may run at once (each claims a task with SELECT ... FOR UPDATE SKIP LOCKED).

Each task re-reads the database and does nothing if its reason has gone (link used or expired,
alert acknowledged), so a late or repeated run is harmless. Arguments are ids only: no token or
patient detail is stored in the queue. The services queue these tasks, so a task imports its
service when it runs."""

from __future__ import annotations

from django_tasks import task


@task()
def link_email_send(link_id: int) -> bool:
    from kitclinic.assessments.services import links

    return links.link_email_send(link_id=link_id)


@task()
def link_reminder_send(link_id: int) -> bool:
    from kitclinic.assessments.services import links

    return links.link_reminder_send(link_id=link_id)


@task()
def alert_escalate(alert_id: int) -> bool:
    from kitclinic.assessments.services import alerts

    return alerts.alert_escalate(alert_id=alert_id)
