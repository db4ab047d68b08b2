"""Log-in, log-out and failed log-in go to the audit trail (Django's auth signals)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from kitclinic.accounts.actor import client_address
from kitclinic.accounts.models import StaffMembership
from kitclinic.audit.chain import GENESIS_HASH, chain_key
from kitclinic.audit.models import AuditAction, AuditChainHead, AuditEvent
from kitclinic.audit.services import chain_append


def account_event_record(action: AuditAction, request: Any, user: Any, detail: str = "") -> None:
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
    account_event_record(AuditAction.LOGIN, request, user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        account_event_record(AuditAction.LOGOUT, request, user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    from kitclinic.accounts.models import User

    username = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=username).first()
    account_event_record(AuditAction.LOGIN_FAILED, request, user, detail=f"username={username}")


@receiver(post_save, sender="accounts.Organization")
def _organization_created(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A new organization starts its audit chain, so its first event costs what every later one
    costs (the head row exists; ``chain_append`` still creates it if it does not)."""
    if created:
        AuditChainHead.objects.get_or_create(
            chain=chain_key(instance.pk), defaults={"last_hash": GENESIS_HASH}
        )
