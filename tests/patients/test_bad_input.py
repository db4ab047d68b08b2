"""Bad input to the patient services: a ValidationError naming the field, and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kitclinic.patients import services
from kitclinic.patients.models import Diagnosis
from tests.factories import PatientFactory
from tests.patients.helpers import add_trd_history, clear_screen, demographics
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


def _refused(write, field: str, match: str = "") -> ValidationError:
    """Run ``write``, expect a ValidationError on ``field``, and check that no row was written."""
    before = row_counts()
    with pytest.raises(ValidationError) as caught:
        write()
    assert field in caught.value.message_dict, caught.value.message_dict
    if match:
        assert any(match in m for m in caught.value.message_dict[field]), caught.value
    assert row_counts() == before
    return caught.value


@pytest.mark.parametrize("code", ["32.9", "F3", "FF2.9", "F32.12345", "F32-9", "F32..9"])
def test_diagnosis_with_malformed_icd10_code_is_refused(world, patient, code):
    nurse = world.actor("nurse")
    _refused(
        lambda: services.diagnosis_add(
            actor=nurse, patient=patient, icd10_code=code, description="x"
        ),
        "icd10_code",
        "ICD-10-CM",
    )


@pytest.mark.parametrize(
    ("typed", "stored"), [("f329", "F32.9"), ("F33.41", "F33.41"), ("g9050", "G90.50")]
)
def test_diagnosis_code_is_normalized_and_accepted(world, patient, typed, stored):
    services.diagnosis_add(
        actor=world.actor("nurse"), patient=patient, icd10_code=typed, description="x"
    )
    assert Diagnosis.objects.get().icd10_code == stored


def test_birth_in_the_future_is_refused(world):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    _refused(
        lambda: services.patient_register(
            actor=world.actor("nurse"), data=demographics(date_of_birth=tomorrow)
        ),
        "date_of_birth",
        "future",
    )


def test_age_over_120_is_refused(world):
    today = timezone.localdate()
    born = today.replace(year=today.year - 121)
    _refused(
        lambda: services.patient_register(
            actor=world.actor("nurse"), data=demographics(date_of_birth=born)
        ),
        "date_of_birth",
        "120",
    )


def test_age_of_exactly_120_is_accepted(world):
    today = timezone.localdate()
    born = today.replace(year=today.year - 120)
    patient = services.patient_register(
        actor=world.actor("nurse"), data=demographics(date_of_birth=born)
    )
    assert patient.pk is not None


def test_duplicate_mrn_in_the_organization_is_refused_whatever_the_case(world, patient):
    _refused(
        lambda: services.patient_register(
            actor=world.actor("front_desk"), data=demographics(mrn=patient.mrn.lower())
        ),
        "mrn",
        "already used",
    )


def test_editing_onto_another_patients_mrn_is_refused(world, patient):
    second = PatientFactory(home_clinic=world.clinic, mrn="KC-2")
    data = demographics(
        mrn=patient.mrn.lower(),
        family_name=second.family_name,
        given_name=second.given_name,
        date_of_birth=second.date_of_birth,
        sex_at_birth=second.sex_at_birth,
    )
    _refused(
        lambda: services.patient_update_demographics(
            actor=world.actor("nurse"), patient=second, data=data
        ),
        "mrn",
    )
    second.refresh_from_db()
    assert second.mrn == "KC-2"


def test_same_mrn_in_another_organization_is_allowed(world, other_org_patient):
    patient = services.patient_register(
        actor=world.actor("front_desk"), data=demographics(mrn=other_org_patient.mrn)
    )
    assert patient.organization_id != other_org_patient.organization_id


def test_malformed_mrn_is_refused(world):
    _refused(
        lambda: services.patient_register(
            actor=world.actor("nurse"), data=demographics(mrn="-bad mrn")
        ),
        "mrn",
    )


def test_episode_onset_in_the_future_is_refused(world, patient):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    _refused(
        lambda: services.episode_update(
            actor=world.actor("nurse"), patient=patient, onset_date=tomorrow, severity="mild"
        ),
        "episode_onset_date",
        "future",
    )


def test_incomplete_screen_is_refused(world, patient):
    answers = clear_screen()
    del answers["pregnancy"]
    _refused(
        lambda: services.screen_record(
            actor=world.actor("nurse"), patient=patient, answers=answers
        ),
        "answers",
        "pregnancy",
    )


def test_screen_with_unknown_code_is_refused(world, patient):
    answers = {**clear_screen(), "left_handed": True}
    _refused(
        lambda: services.screen_record(
            actor=world.actor("nurse"), patient=patient, answers=answers
        ),
        "answers",
        "left_handed",
    )


def test_screen_answer_that_is_not_a_boolean_is_refused(world, patient):
    answers = {**clear_screen(), "pregnancy": "maybe"}
    _refused(
        lambda: services.screen_record(
            actor=world.actor("nurse"), patient=patient, answers=answers
        ),
        "answers",
    )


def test_eligibility_without_a_screen_is_refused(world, patient):
    _refused(
        lambda: services.eligibility_decide(
            actor=world.actor("physician"),
            patient=patient,
            indication="depression",
            outcome="needs_review",
        ),
        "screen",
    )


def test_eligibility_for_unknown_indication_is_refused(world, patient):
    services.screen_record(actor=world.actor("nurse"), patient=patient, answers=clear_screen())
    _refused(
        lambda: services.eligibility_decide(
            actor=world.actor("physician"),
            patient=patient,
            indication="insomnia",
            outcome="needs_review",
        ),
        "indication",
        "depression",
    )


def test_signing_eligible_over_computed_not_eligible_is_refused(world, patient):
    nurse = world.actor("nurse")
    add_trd_history(nurse, patient)
    services.screen_record(
        actor=nurse, patient=patient, answers=clear_screen(active_psychosis=True)
    )
    _refused(
        lambda: services.eligibility_decide(
            actor=world.actor("physician"),
            patient=patient,
            indication="depression",
            outcome="eligible",
            rationale="I know the patient well.",
        ),
        "outcome",
        "not_eligible",
    )


def _anxious(world, patient, **present):
    nurse = world.actor("nurse")
    services.diagnosis_add(
        actor=nurse, patient=patient, icd10_code="F41.1", description="Generalized anxiety"
    )
    services.screen_record(actor=nurse, patient=patient, answers=clear_screen(**present))


def test_differing_outcome_without_rationale_is_refused(world, patient):
    _anxious(world, patient, pregnancy=True)  # computed: needs review
    _refused(
        lambda: services.eligibility_decide(
            actor=world.actor("physician"),
            patient=patient,
            indication="anxiety",
            outcome="not_eligible",
            rationale="   ",
        ),
        "rationale",
        "differs from the rules",
    )


@pytest.mark.parametrize("present", [{}, {"pregnancy": True}], ids=["computed-eligible", "review"])
def test_signing_eligible_without_rationale_is_refused_even_when_the_rules_agree(
    world, patient, present
):
    _anxious(world, patient, **present)
    _refused(
        lambda: services.eligibility_decide(
            actor=world.actor("physician"),
            patient=patient,
            indication="anxiety",
            outcome="eligible",
            rationale=" \n ",
        ),
        "rationale",
        "signing eligible",
    )


def test_signing_eligible_without_a_qualifying_diagnosis_is_refused(world, patient):
    """Only F33.2 and F41.1 on file: the rules give not eligible for PTSD, whatever the
    physician writes."""
    nurse = world.actor("nurse")
    add_trd_history(nurse, patient)  # F33.2
    services.diagnosis_add(actor=nurse, patient=patient, icd10_code="F41.1", description="GAD")
    services.screen_record(actor=nurse, patient=patient, answers=clear_screen())
    for outcome in ("eligible", "needs_review"):
        _refused(
            lambda outcome=outcome: services.eligibility_decide(
                actor=world.actor("physician"),
                patient=patient,
                indication="ptsd",
                outcome=outcome,
                rationale="Trauma history reported by the patient.",
            ),
            "outcome",
            "may sign: not_eligible",
        )


WRITES = {
    "register": lambda a, p: services.patient_register(actor=a, data=demographics(mrn="NEW-9")),
    "edit": lambda a, p: services.patient_update_demographics(
        actor=a, patient=p, data=demographics(mrn=p.mrn)
    ),
    "episode": lambda a, p: services.episode_update(
        actor=a, patient=p, onset_date=dt.date(2025, 1, 1), severity="mild"
    ),
    "diagnosis": lambda a, p: services.diagnosis_add(
        actor=a, patient=p, icd10_code="F32.9", description="x"
    ),
    "trial": lambda a, p: services.trial_add(
        actor=a,
        patient=p,
        treatment_name="Sertraline",
        treatment_class="ssri",
        adequate=True,
        outcome="no_response",
    ),
    "screen": lambda a, p: services.screen_record(actor=a, patient=p, answers=clear_screen()),
    "eligibility": lambda a, p: services.eligibility_decide(
        actor=a, patient=p, indication="anxiety", outcome="needs_review"
    ),
}
FORBIDDEN = [
    ("auditor", "register"),
    ("auditor", "edit"),
    ("front_desk", "episode"),
    ("clinic_admin", "diagnosis"),
    ("auditor", "trial"),
    ("front_desk", "screen"),
    ("nurse", "eligibility"),
    ("clinic_admin", "eligibility"),
]


@pytest.mark.parametrize(("persona", "write"), FORBIDDEN)
def test_role_that_may_not_write_gets_permission_denied_and_nothing_is_written(
    world, patient, persona, write
):
    services.screen_record(actor=world.actor("nurse"), patient=patient, answers=clear_screen())
    before = row_counts()
    with pytest.raises(PermissionDenied):
        WRITES[write](world.actor(persona), patient)
    assert row_counts() == before


def test_nurse_cannot_sign_eligibility(world, patient):
    services.screen_record(actor=world.actor("nurse"), patient=patient, answers=clear_screen())
    with pytest.raises(PermissionDenied, match="may not: decide and sign eligibility"):
        WRITES["eligibility"](world.actor("nurse"), patient)


def test_a_malformed_code_stored_before_the_format_rule_is_named_not_a_crash(world, patient):
    """A row written around the service (an old import, say): deciding names the code and writes
    nothing; the preview says so instead of failing."""
    from kitclinic.patients.selectors import eligibility_previews

    Diagnosis.objects.create(
        patient=patient,
        icd10_code="F3.29",
        description="imported",
        recorded_by=world.users["nurse"],
        recorded_at=timezone.now(),
    )
    services.screen_record(actor=world.actor("nurse"), patient=patient, answers=clear_screen())
    _refused(
        lambda: services.eligibility_decide(
            actor=world.actor("physician"),
            patient=patient,
            indication="depression",
            outcome="not_eligible",
        ),
        "diagnoses",
        "'F3.29' is not an ICD-10-CM code",
    )
    ((name, preview),) = eligibility_previews(patient)
    assert name == "all" and "'F3.29' is not an ICD-10-CM code" in preview.error
