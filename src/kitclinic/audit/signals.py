"""Log-in, log-out and failed log-in go to the audit trail (Django's auth signals)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from kitclinic.accounts.actor import client_address
from kitclinic.accounts.models import StaffMembership
from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.audit.services import chain_append


def _record(action: AuditAction, request: Any, user: Any, detail: str = "") -> None:
    known = user if user is not None and getattr(user, "pk", None) else None
    membership = (
        StaffMembership.objects.filter(user=known).select_related("clinic").first()
        if known
        else None
    )
    with transaction.atomic():
        event = AuditEvent(
            occurred_at=timezone.now(),
            organization_id=membership.clinic.organization_id if membership else None,
            actor=known,
            action=action.value,
            object_type="accounts.user" if known else "",
            object_id=str(known.pk) if known else "",
            client_address=client_address(request) if request is not None else None,
            detail=detail[:300],
        )
        chain_append(event)


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _record(AuditAction.LOGIN, request, user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _record(AuditAction.LOGOUT, request, user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    from kitclinic.accounts.models import User

    username = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=username).first()
    _record(AuditAction.LOGIN_FAILED, request, user, detail=f"username={username}")
