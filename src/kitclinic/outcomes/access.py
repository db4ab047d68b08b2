"""Access to the outcomes app's own records: an information-sheet version of another
organization is a 404 (whatever the role), a role without the action a 403; an indication
the clinic does not treat is a 404."""

from __future__ import annotations

from django.http import Http404

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.consent.models import InfoSheetVersion
from kitclinic.patients.models import INDICATIONS


def access_sheet_version(
    actor: Actor, version_id: int, action: Action = Action.PATIENT_VIEW
) -> InfoSheetVersion:
    try:
        version = InfoSheetVersion.objects.get(pk=version_id, organization_id=actor.organization_id)
    except InfoSheetVersion.DoesNotExist:
        raise Http404("No such sheet version.") from None
    actor.require(action)
    return version


def indication_or_404(indication: str) -> str:
    if indication not in INDICATIONS:
        raise Http404("No such indication.")
    return indication
