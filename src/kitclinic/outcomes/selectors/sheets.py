"""Information sheets as the staff pages list them, and the sheet version a consent is recorded
against."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import User
from kitclinic.consent.models import InfoSheetVersion
from kitclinic.outcomes.access import access_sheet_version
from kitclinic.outcomes.labels import INDICATION_LABELS
from kitclinic.patients.models import INDICATIONS


@dataclass(frozen=True)
class SheetRow:
    indication: str
    label: str
    latest: InfoSheetVersion | None  # the version in force; None before the first publication


def indication_choices() -> list[tuple[str, str]]:
    """(key, label) of every indication, in the clinic's order."""
    return [(i, INDICATION_LABELS[i]) for i in INDICATIONS]


def sheet_rows(organization_id: int) -> list[SheetRow]:
    """Each indication with its latest published version (one query, without the snapshots)."""
    latest = {
        v.indication: v
        for v in InfoSheetVersion.objects.filter(organization_id=organization_id)
        .order_by("indication", "version")
        .defer("html_snapshot")
    }
    return [SheetRow(key, label, latest.get(key)) for key, label in indication_choices()]


def sheet_versions(organization_id: int, indication: str) -> list[InfoSheetVersion]:
    """The indication's published versions, newest first (without the snapshots)."""
    return list(
        InfoSheetVersion.objects.filter(organization_id=organization_id, indication=indication)
        .order_by("-version")
        .defer("html_snapshot")
    )


def latest_sheet_version(organization_id: int, indication: str) -> InfoSheetVersion | None:
    return (
        InfoSheetVersion.objects.filter(organization_id=organization_id, indication=indication)
        .order_by("-version")
        .first()
    )


def consent_sheet_version(
    actor: Actor, indication: str, posted_version_id: str | None
) -> InfoSheetVersion | None:
    """The version a consent is recorded against: the one the form was shown with (posted;
    another organization's is a 404), else the indication's latest; None before publication."""
    if posted_version_id:
        try:
            version_id = int(posted_version_id)
        except ValueError:
            version_id = None
        if version_id is not None:
            return access_sheet_version(actor, version_id)
    return latest_sheet_version(actor.organization_id, indication)


def consent_witnesses(organization_id: int) -> QuerySet[User]:
    """Staff of the organization with an active membership, who may witness a consent."""
    return (
        User.objects.filter(
            memberships__clinic__organization_id=organization_id, memberships__is_active=True
        )
        .distinct()
        .order_by("last_name", "username")
    )
