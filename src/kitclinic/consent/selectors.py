"""A patient's consent to treatment: the consent recorded against the information sheet in
force for an indication (the check-in gate of a session reads it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from kitclinic.consent.models import ConsentRecord, InfoSheetVersion
from kitclinic.intake.eligibility import Indication

INDICATION_LABELS = dict(Indication.choices())


def consent_on_record(patient_id: int, indication: str) -> ConsentRecord | None:
    """The patient's latest ``ConsentRecord`` to a published information sheet for
    ``indication`` (the evidence behind "consent on file" at check-in), or None."""
    return (
        ConsentRecord.objects.filter(patient_id=patient_id, sheet_version__indication=indication)
        .select_related("sheet_version", "witnessed_by")
        .order_by("-signed_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class ConsentStatus:
    """The patient's consent to treatment for an indication: the information sheet in force
    (the latest published version), the consent to exactly that version, and the latest consent
    to any version. Only a consent to the current version counts: a new version asks for
    consent again."""

    indication: str
    current_version: InfoSheetVersion | None
    consent: ConsentRecord | None  # to current_version
    latest: ConsentRecord | None  # to any version

    @property
    def ok(self) -> bool:
        return self.consent is not None

    @property
    def problem(self) -> str:
        """What is missing, in words (empty when the consent is current)."""
        label = INDICATION_LABELS.get(self.indication, self.indication).lower()
        if self.consent is not None:
            return ""
        if self.current_version is None:
            return (
                f"No {label} information sheet is published, so no consent can be recorded: a "
                "physician publishes the sheet, then the patient's consent is recorded."
            )
        current = f"the {label} information sheet v{self.current_version.version}"
        if self.latest is not None:
            return (
                f"The patient consented to v{self.latest.sheet_version.version} of the {label} "
                f"information sheet (signed {timezone.localdate(self.latest.signed_at):%Y-%m-%d})"
                f"; {current} is now in force and needs the patient's consent before treatment."
            )
        return f"No consent to {current} is recorded for this patient."


def consent_status(patient_id: int, organization_id: int, indication: str) -> ConsentStatus:
    """The patient's consent to the ``indication``'s current information sheet (two queries)."""
    current = (
        InfoSheetVersion.objects.filter(organization_id=organization_id, indication=indication)
        .order_by("-version")
        .first()
    )
    latest = consent_on_record(patient_id, indication)
    consent = None
    if current is not None and latest is not None:
        if latest.sheet_version_id == current.pk:
            consent = latest
        else:
            consent = next(
                iter(
                    current.consents.filter(patient_id=patient_id)
                    .select_related("sheet_version", "witnessed_by")
                    .order_by("-signed_at", "-id")[:1]
                ),
                None,
            )
    return ConsentStatus(indication, current, consent, latest)
