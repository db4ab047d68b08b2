"""Patients, their diagnoses and treatment history, contraindication screens and eligibility.

Stages (MSM, Thase–Rush) are computed from the trial rows by kitclinic.intake, never stored or
typed in. Screens and eligibility decisions are records: a new one supersedes, none is edited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.db import models

from kitclinic.audit.append_only import AppendOnlyModel
from kitclinic.intake.allergies import AllergyCategory, AllergyCriticality, AllergyStatus
from kitclinic.intake.eligibility import EligibilityOutcome, Indication
from kitclinic.intake.trials import EpisodeSeverity, TreatmentClass, TrialOutcome
from kitclinic.patients.validators import validate_icd10cm, validate_mrn

INDICATIONS = tuple(i.value for i in Indication)
ELIGIBILITY_OUTCOMES = tuple(o.value for o in EligibilityOutcome)


class SexAtBirth(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNKNOWN = "unknown", "Unknown / not recorded"


class _Labelled(Protocol):
    """A member of the pure cores' enums: a stored value and a label to show."""

    @property
    def value(self) -> str: ...

    @property
    def label(self) -> str: ...


def _choices(members: Iterable[_Labelled]) -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in members]


class Patient(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="patients"
    )
    home_clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    mrn = models.CharField("MRN", max_length=32, validators=[validate_mrn])
    family_name = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    # Lower-case copies for index-backed prefix search (LIKE 'abc%').
    family_name_key = models.CharField(max_length=100, editable=False)
    given_name_key = models.CharField(max_length=100, editable=False)
    # Keys of kitclinic.intake.identity, compared to warn of a likely duplicate person.
    name_match_key = models.CharField(max_length=201, editable=False, default="")
    phone_key = models.CharField(max_length=10, editable=False, default="")
    email_key = models.CharField(max_length=254, editable=False, default="")
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(max_length=10, choices=SexAtBirth.choices)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=150, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    # The current depressive episode, for the Maudsley Staging Method.
    episode_onset_date = models.DateField(null=True, blank=True)
    episode_severity = models.CharField(
        max_length=30, choices=_choices(EpisodeSeverity), blank=True
    )
    is_synthetic = models.BooleanField(default=False, help_text="Created by the demo seed.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "mrn"], name="mrn_unique_per_org")
        ]
        indexes = [
            models.Index(
                fields=["organization", "family_name_key", "given_name_key"],
                name="patient_family_key",
                opclasses=["int8_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["organization", "given_name_key"],
                name="patient_given_key",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            # The patient list's sort orders (patients.selectors.PATIENT_LIST), each ending
            # with the id so a page is one index range scan; the date of birth one also serves
            # the search by date of birth.
            models.Index(
                fields=["organization", "family_name_key", "given_name_key", "id"],
                name="patient_name_order",
            ),
            models.Index(fields=["organization", "mrn", "id"], name="patient_mrn_order"),
            models.Index(fields=["organization", "date_of_birth", "id"], name="patient_dob_order"),
            models.Index(fields=["organization", "created_at", "id"], name="patient_created_order"),
            # Likely duplicates (patients.selectors.likely_duplicates).
            models.Index(
                fields=["organization", "name_match_key", "date_of_birth"],
                name="patient_same_name",
                condition=~models.Q(name_match_key=""),
            ),
            models.Index(
                fields=["organization", "phone_key"],
                name="patient_same_phone",
                condition=~models.Q(phone_key=""),
            ),
            models.Index(
                fields=["organization", "email_key"],
                name="patient_same_email",
                condition=~models.Q(email_key=""),
            ),
        ]

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"


class Diagnosis(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="diagnoses")
    icd10_code = models.CharField("ICD-10-CM code", max_length=8, validators=[validate_icd10cm])
    description = models.CharField(max_length=200)
    is_primary = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-is_primary", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.description}"


class TreatmentTrial(models.Model):
    """One past psychiatric treatment: drug or treatment, dose, weeks, adequacy, outcome."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="trials")
    treatment_name = models.CharField(max_length=120)
    treatment_class = models.CharField(max_length=30, choices=_choices(TreatmentClass))
    dose_text = models.CharField(max_length=60, blank=True, help_text="e.g. 150 mg/day")
    weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    adequate = models.BooleanField(
        help_text="Adequate dose and duration, in the clinician's judgement."
    )
    outcome = models.CharField(max_length=30, choices=_choices(TrialOutcome))
    current_episode = models.BooleanField(default=True)
    notes = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.treatment_name} ({self.get_treatment_class_display()})"


class Allergy(models.Model):
    """One entry of the patient's allergy and intolerance list. Never deleted: its status moves
    (active, inactive, resolved, or entered in error, which is final), each move with its reason,
    by ``allergy_status_change``."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=120, help_text="What the patient reacts to.")
    # blank: not stated (FHIR's category is optional, and an import keeps what it was sent)
    category = models.CharField(max_length=12, choices=AllergyCategory.choices(), blank=True)
    criticality = models.CharField(max_length=16, choices=AllergyCriticality.choices(), blank=True)
    reaction = models.CharField(
        max_length=200, blank=True, help_text="What happens, e.g. hives, anaphylaxis."
    )
    # The substance's code as another system sent it (FHIR import); kept for the way back out.
    code_system = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=16, choices=AllergyStatus.choices(), default=AllergyStatus.ACTIVE
    )
    status_reason = models.CharField(max_length=300, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in AllergyStatus]),
                name="allergy_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=["", *(c.value for c in AllergyCategory)]),
                name="allergy_category_known",
            ),
        ]

    @property
    def is_active(self) -> bool:
        return self.status == AllergyStatus.ACTIVE

    def __str__(self) -> str:
        return f"{self.substance} ({self.get_status_display()})"


class ContraindicationScreen(models.Model):
    """A complete answer to every catalogue item, as recorded; never edited."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screens")
    answers = models.JSONField(help_text="{item code: present (true/false)}")
    list_version = models.CharField(max_length=40)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"Contraindication screen of {self.recorded_at:%Y-%m-%d} ({self.list_version})"


class EligibilityDecision(models.Model):
    """A physician-signed eligibility decision with the reasons that produced it.

    Signed at creation and never edited: a later decision supersedes it (``superseded_by``)."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="eligibility_decisions"
    )
    indication = models.CharField(max_length=20, choices=Indication.choices())
    computed_outcome = models.CharField(max_length=20, choices=EligibilityOutcome.choices())
    outcome = models.CharField(max_length=20, choices=EligibilityOutcome.choices())
    reasons = models.JSONField(help_text="[{code, text, rule}] from the eligibility rules")
    physician_rationale = models.TextField(blank=True)
    contraindication_list_version = models.CharField(max_length=40)
    code_list_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Version of the indication's ICD-10-CM code list the rules used "
        "(empty for decisions made before code lists).",
    )
    qualifying_code = models.CharField(
        "qualifying ICD-10-CM code",
        max_length=8,
        blank=True,
        help_text="The diagnosis on file that qualified for the indication; empty when none did.",
    )
    screen = models.ForeignKey(ContraindicationScreen, on_delete=models.PROTECT, related_name="+")
    staging = models.JSONField(help_text="Staging at the time of the decision")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_at", "-id"]

    @property
    def overrides_rules(self) -> bool:
        """The physician signed another outcome than the rules gave (with a rationale)."""
        return self.outcome != self.computed_outcome

    def __str__(self) -> str:
        return f"{self.indication}: {self.outcome} (signed {self.signed_at:%Y-%m-%d})"

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A signed decision is immutable; the only later write marks it superseded.
        if self.pk is not None and set(kwargs.get("update_fields") or ()) != {
            "superseded_by",
            "superseded_at",
        }:
            raise ValueError("A signed eligibility decision cannot be edited; record a new one.")
        super().save(*args, **kwargs)


class IndicationCodeList(AppendOnlyModel):
    """An organization's own version of the ICD-10-CM codes that qualify for an indication.

    Version 1 of every indication is the built-in default (``kitclinic.intake.diagnoses``) and is
    not stored; an organization's versions start at 2 and its highest version is in force.
    Published versions are never changed: a correction is a new version."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    indication = models.CharField(max_length=20, choices=Indication.choices())
    version = models.PositiveIntegerField()
    entries = models.JSONField(help_text="[{code, label, source}], validated by the intake core")
    reason = models.TextField(help_text="Why this version was published.")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["indication", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "indication", "version"], name="code_list_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=2), name="code_list_version_after_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_indication_display()} qualifying diagnoses v{self.version}"
