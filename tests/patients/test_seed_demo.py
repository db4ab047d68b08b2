"""The demo seed: deterministic, synthetic throughout, one user per role."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from kitclinic.accounts.models import Clinic, Organization, StaffMembership, User
from kitclinic.accounts.roles import Role
from kitclinic.patients.models import Patient
from tests.support.rows import row_counts

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def _content() -> list[tuple]:
    return list(
        Patient.objects.order_by("mrn").values_list(
            "mrn", "family_name", "given_name", "date_of_birth", "sex_at_birth"
        )
    )


def _seed(patients: int = 20) -> str:
    out = StringIO()
    call_command("seed_demo", patients=patients, stdout=out)
    return out.getvalue()


def test_seed_is_deterministic():
    # The first run is rolled back, so the second starts from an empty database as well.
    with pytest.raises(_Rollback), transaction.atomic():
        _seed()
        first, first_counts = _content(), row_counts()
        raise _Rollback
    assert not Organization.objects.exists()
    _seed()
    assert _content() == first
    assert row_counts() == first_counts
    assert len(first) == 20
    assert len({mrn for mrn, *_ in first}) == 20


def test_seed_marks_everything_synthetic_and_creates_one_user_per_role():
    output = _seed()
    assert "20 synthetic patients" in output
    for model in (Organization, Clinic, User, Patient):
        assert model.objects.exists(), model
        assert not model.objects.filter(is_synthetic=False).exists(), model
    assert Patient.objects.count() == 20
    roles = sorted(StaffMembership.objects.values_list("role", flat=True).distinct())
    assert roles == sorted(r.value for r in Role)
    for role in Role:
        assert User.objects.filter(memberships__role=role.value).distinct().count() == 1, role


def test_seed_with_if_empty_does_nothing_the_second_time():
    _seed()
    before = (row_counts(), User.objects.count(), StaffMembership.objects.count())
    out = StringIO()
    call_command("seed_demo", "--if-empty", patients=20, stdout=out)
    assert "demo not loaded" in out.getvalue()
    assert (row_counts(), User.objects.count(), StaffMembership.objects.count()) == before


def test_seed_refuses_a_database_with_data_without_if_empty():
    _seed(patients=1)
    with pytest.raises(CommandError, match="empty"):
        _seed(patients=1)
    assert Organization.objects.count() == 1


def test_negative_patient_count_is_refused():
    with pytest.raises(CommandError, match="--patients"):
        call_command("seed_demo", "--patients", "-1")
    assert not Organization.objects.exists()


def test_seed_history_gives_every_outcomes_panel_data_with_historical_times(client):
    """One seed of 100 patients: completed courses months back feed the dashboard (response,
    Kaplan–Meier, rapid onset, side effects), a chart trajectory and the decision-support card,
    with signed sessions stamped at their appointment, not at seeding time."""
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    from kitclinic.accounts.actor import Actor
    from kitclinic.audit.models import AuditEvent
    from kitclinic.consent.models import ConsentRecord
    from kitclinic.infusions.models import InfusionSession, TreatmentCourse
    from kitclinic.outcomes.data import dataset
    from kitclinic.outcomes.models import LabResult
    from kitclinic.outcomes.patient import patient_outcomes
    from kitclinic.outcomes.selectors.clinic_results import clinic_results
    from kitclinic.outcomes.selectors.dashboard import OutcomeFilter, outcomes_dashboard
    from kitclinic.substances.models import SubstanceLogEntry

    started = timezone.now()
    _seed(patients=100)
    dataset.forget()
    physician = User.objects.get(username="physician")
    actor = Actor(user=physician, membership=physician.memberships.first())
    board = outcomes_dashboard(actor, OutcomeFilter("phq9"))
    assert board.n_included >= 10 and board.overall is not None
    assert 0 < board.overall.response.successes < board.n_included
    assert board.km is not None and board.km.n == board.n_included and board.km.events > 0
    assert [o.label for o in board.onset] == ["4 h", "24 h"]
    assert all(o.n > 0 and o.mean_change_pct is not None for o in board.onset)
    side = board.side_effects
    assert side.sessions >= 50 and side.adverse_events > 0
    assert side.sessions_with_bp == side.sessions and side.bp_rise_max > 0
    assert side.sessions_with_cadss > 0
    assert board.early_non_response.n > 0 and board.relapse.n > 0
    assert len(board.by_period) >= 2  # courses spread over more than one quarter
    # the summaries the dashboard read give the engine's figures on the same records
    from tests.outcomes.helpers import assert_dashboards_match_the_engine

    assert_dashboards_match_the_engine(actor.organization_id)

    completed = TreatmentCourse.objects.filter(status="completed")
    assert completed.count() >= 10
    for course in completed:
        # consent recorded against the published version of the course's indication's sheet
        consent = ConsentRecord.objects.get(
            patient=course.patient, sheet_version__indication=course.indication
        )
        assert (
            consent.sheet_version.published_at
            <= consent.signed_at
            <= course.planned_at + (dt.timedelta(hours=1))
        )
    assert LabResult.objects.filter(analyte="crp", unit="mg/L").exists()
    assert LabResult.objects.filter(analyte="il6", unit="pg/mL").exists()
    assert SubstanceLogEntry.objects.filter(kind="dispense", session__isnull=False).exists()
    # one self-report with PHQ-9 item 9 above 0 leaves an open alert to acknowledge
    from kitclinic.assessments.models import SafetyAlert

    [alert] = SafetyAlert.objects.filter(status="open")
    assert alert.assessment.self_report_link is not None and alert.assessment.answers[8] > 0
    # the demo clinic's synthetic records never become figures on a patient sheet
    assert clinic_results(
        physician.memberships.first().clinic.organization_id, "depression"
    ).withheld

    month_ago = started - dt.timedelta(days=30)
    old = InfusionSession.objects.filter(state="signed", signed_at__lt=month_ago)
    assert old.count() >= 30
    session = old.order_by("started_at").first()
    assert session.started_at == session.appointment.starts_at
    assert session.check_in.checked_in_at < session.started_at < session.ended_at
    assert session.ended_at < session.discharge.discharged_at < session.signed_at < month_ago
    assert session.vitals.filter(taken_at__lt=month_ago).count() == session.vitals.count() >= 6
    events = AuditEvent.objects.filter(
        object_type="infusions.infusionsession", object_id=str(session.pk)
    )
    assert events.exists() and not events.filter(occurred_at__gte=started).exists()
    assert not InfusionSession.objects.filter(
        state="signed", signed_at__gte=started
    ).exists()  # nothing signed at seeding time

    patient = completed.filter(indication="depression").order_by("planned_at").first().patient
    po = patient_outcomes(actor, patient)
    points = po.courses[-1].trajectories["phq9"]
    assert len(points) >= 9  # screening, 4 h, 24 h, before infusions 2–6, follow-up
    assert [p.infusion_number for p in points][:2] == [0, 0]
    assert points[-1].infusion_number == 6
    client.force_login(physician)
    chart = client.get(reverse("patient-chart", args=[patient.pk]))
    assert chart.status_code == 200 and "PHQ-9" in chart.content.decode()
