"""Signed eligibility decisions: immutable, superseded per indication, staging kept with them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kitclinic.audit.models import AuditAction, AuditEvent
from kitclinic.patients import services
from kitclinic.patients.models import EligibilityDecision
from tests.patients.helpers import ELIGIBLE_RATIONALE, add_trd_history, clear_screen

pytestmark = pytest.mark.django_db


@pytest.fixture
def screened(world, patient):
    add_trd_history(world.actor("nurse"), patient)
    services.screen_record(actor=world.actor("nurse"), patient=patient, answers=clear_screen())
    return patient


def _decide(
    world, patient, indication="depression", outcome="eligible", rationale=ELIGIBLE_RATIONALE
):
    return services.eligibility_decide(
        actor=world.actor("physician"),
        patient=patient,
        indication=indication,
        outcome=outcome,
        rationale=rationale,
    )


def test_signed_decision_cannot_be_edited(world, screened):
    decision = _decide(world, screened)
    decision.outcome = "not_eligible"
    with pytest.raises(ValueError, match="cannot be edited"):
        decision.save()
    with pytest.raises(ValueError):
        decision.save(update_fields=["outcome"])
    with pytest.raises(ValueError):
        decision.save(update_fields=["outcome", "superseded_by", "superseded_at"])
    assert EligibilityDecision.objects.get(pk=decision.pk).outcome == "eligible"


def test_new_decision_supersedes_the_current_one_for_the_same_indication(world, screened):
    first = _decide(world, screened)
    second = _decide(world, screened, outcome="needs_review", rationale="Await cardiology.")
    first.refresh_from_db()
    assert first.superseded_by_id == second.pk
    assert first.superseded_at == second.signed_at
    assert not first.is_current and second.is_current
    event = AuditEvent.objects.get(action=AuditAction.SUPERSEDE)
    assert event.object_type == "patients.eligibilitydecision"
    assert event.object_id == str(first.pk)
    assert event.patient_id == screened.pk
    assert event.changes == {"superseded_by": [None, second.pk]}
    assert AuditEvent.objects.filter(action=AuditAction.SIGN).count() == 2


def test_third_decision_supersedes_only_the_current_one(world, screened):
    first = _decide(world, screened)
    second = _decide(world, screened)
    third = _decide(world, screened)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.superseded_by_id == second.pk
    assert second.superseded_by_id == third.pk
    assert list(
        EligibilityDecision.objects.filter(superseded_by__isnull=True).values_list("pk", flat=True)
    ) == [third.pk]


def test_decision_for_another_indication_is_untouched(world, screened):
    services.diagnosis_add(
        actor=world.actor("nurse"), patient=screened, icd10_code="F41.1", description="GAD"
    )
    depression = _decide(world, screened)
    anxiety = _decide(world, screened, indication="anxiety", outcome="eligible")
    depression.refresh_from_db()
    assert depression.is_current and anxiety.is_current
    assert not AuditEvent.objects.filter(action=AuditAction.SUPERSEDE).exists()


def test_decisions_of_another_patient_are_untouched(world, screened):
    from tests.factories import PatientFactory

    other = PatientFactory(home_clinic=world.clinic)
    services.screen_record(actor=world.actor("nurse"), patient=other, answers=clear_screen())
    theirs = services.eligibility_decide(
        actor=world.actor("physician"),
        patient=other,
        indication="depression",
        outcome="not_eligible",  # no diagnosis on file
    )
    _decide(world, screened)
    theirs.refresh_from_db()
    assert theirs.is_current


def test_decision_stores_staging_snapshot_screen_and_list_version(world, screened):
    decision = _decide(world, screened)
    decision.refresh_from_db()
    assert decision.screen == screened.screens.get()
    assert decision.contraindication_list_version == decision.screen.list_version
    assert (decision.code_list_version, decision.qualifying_code) == (1, "F33.2")
    assert decision.physician_rationale == ELIGIBLE_RATIONALE
    staging = decision.staging
    assert staging["adequate_failed_trials"] == 2
    assert staging["trd_definition_met"] is True
    assert staging["thase_rush"]["stage"] == 2
    assert staging["thase_rush"]["label"] == "II"
    # Onset 2024-01-10: more than 24 months (3) + severe without psychosis (4) + 1–2 failed (1).
    assert staging["msm"]["score"] == 8
    assert staging["msm"]["band"] == "moderate"
    assert staging["episode_duration_months"] >= 24


def test_staging_snapshot_does_not_follow_later_history(world, screened):
    decision = _decide(world, screened)
    services.trial_add(
        actor=world.actor("nurse"),
        patient=screened,
        treatment_name="Nortriptyline",
        treatment_class="tca",
        adequate=True,
        outcome="no_response",
    )
    decision.refresh_from_db()
    assert decision.staging["adequate_failed_trials"] == 2


def test_decision_uses_the_latest_screen(world, screened):
    services.screen_record(
        actor=world.actor("nurse"), patient=screened, answers=clear_screen(pregnancy=True)
    )
    decision = _decide(world, screened, outcome="needs_review")
    assert decision.computed_outcome == "needs_review"
    assert decision.screen == screened.screens.order_by("-recorded_at", "-id").first()
    assert "pregnancy" in [r["code"] for r in decision.reasons]
    assert decision.signed_at <= timezone.now()


# --- qualifying diagnoses ------------------------------------------------------------------------


@pytest.fixture
def mdd_and_gad_only(world, patient):
    """Only F33.2 (major depressive disorder, recurrent severe) and F41.1 (generalized anxiety
    disorder) on file, two adequate failed antidepressant trials and a clear screen."""
    nurse = world.actor("nurse")
    add_trd_history(nurse, patient)  # F33.2 and the trials
    services.diagnosis_add(
        actor=nurse, patient=patient, icd10_code="F41.1", description="Generalized anxiety disorder"
    )
    services.screen_record(actor=nurse, patient=patient, answers=clear_screen())
    return patient


def test_depression_and_anxiety_codes_are_computed_not_eligible_for_ptsd_and_chronic_pain(
    world, mdd_and_gad_only
):
    from kitclinic.patients.selectors import eligibility_previews

    previews = dict(eligibility_previews(mdd_and_gad_only))
    assert {name: p.outcome for name, p in previews.items()} == {
        "depression": "eligible",
        "ptsd": "not_eligible",
        "anxiety": "eligible",
        "chronic_pain": "not_eligible",
    }
    for name in ("ptsd", "chronic_pain"):
        (reason,) = previews[name].reasons
        assert reason.code == "no_qualifying_diagnosis"
        assert "on file: F33.2, F41.1" in reason.text
    assert any(
        r.text.startswith("F33.2 (Major depressive disorder, recurrent, severe) qualifies for "
                          "Depression under list v1")
        for r in previews["depression"].reasons
    )  # fmt: skip


@pytest.mark.parametrize("indication", ["ptsd", "chronic_pain"])
def test_ptsd_and_chronic_pain_can_only_be_signed_not_eligible(world, mdd_and_gad_only, indication):
    before = EligibilityDecision.objects.count(), AuditEvent.objects.count()
    for outcome in ("eligible", "needs_review"):
        with pytest.raises(ValidationError, match="may sign: not_eligible"):
            _decide(world, mdd_and_gad_only, indication=indication, outcome=outcome)
    assert (EligibilityDecision.objects.count(), AuditEvent.objects.count()) == before
    decision = _decide(world, mdd_and_gad_only, indication=indication, outcome="not_eligible")
    assert (decision.computed_outcome, decision.qualifying_code) == ("not_eligible", "")
    assert decision.code_list_version == 1


def test_depression_is_signed_eligible_naming_the_qualifying_code(world, mdd_and_gad_only):
    decision = _decide(world, mdd_and_gad_only)
    assert (decision.computed_outcome, decision.outcome) == ("eligible", "eligible")
    assert (decision.code_list_version, decision.qualifying_code) == (1, "F33.2")
    assert decision.physician_rationale == ELIGIBLE_RATIONALE
