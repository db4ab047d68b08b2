"""The append-only audit trail.

Rows are only ever inserted: the model and its queryset refuse updates and deletes, and on
PostgreSQL a trigger refuses them as well (migration 0002), so no code path can change history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kitclinic.audit.append_only import AppendOnlyError, AppendOnlyModel

__all__ = ["AppendOnlyError", "AuditAction", "AuditChainHead", "AuditEvent"]


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    VIEW = "view", "View"
    SEARCH = "search", "Search"
    SIGN = "sign", "Sign"
    SUPERSEDE = "supersede", "Supersede"
    EXPORT = "export", "Export"
    LOGIN = "login", "Log in"
    LOGIN_FAILED = "login_failed", "Failed log-in"
    LOGOUT = "logout", "Log out"


class AuditEvent(AppendOnlyModel):
    occurred_at = models.DateTimeField(db_index=True)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+", null=True
    )
    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="+", null=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices, db_index=True)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    object_type = models.CharField(max_length=60, blank=True, db_index=True)
    object_id = models.CharField(max_length=40, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}")
    detail = models.CharField(max_length=300, blank=True)
    # the hash chain (kitclinic.audit.chain): this event's hash covers its content and the hash
    # of the event before it in its organization's chain
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # The audit trail's sort orders (pages.audit_trail.AUDIT_LIST), ending with the id
            # so that a page is one index range scan in either direction.
            models.Index(fields=["organization", "occurred_at", "id"], name="audit_org_time_id"),
            models.Index(
                fields=["organization", "action", "occurred_at", "id"], name="audit_org_action"
            ),
            models.Index(fields=["patient", "-occurred_at"], name="audit_patient_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type}"


class AuditChainHead(models.Model):
    """The last event of each chain (one per organization, ``none`` for events without one).
    Locked by every audit write of its chain, so the chain is written one event at a time."""

    chain = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64)
    length = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain {self.chain}: {self.length} events, head {self.last_event_id}"
