"""The per-course summary tables give the dashboard exactly the engine's figures: after the first
full build, after each kind of new record (recomputing only the patients touched), and after
``kitclinic outcomes_rebuild``."""

from __future__ import annotations

import datetime as dt
import random
from io import StringIO

import pytest
from django.core.management import call_command

from kitclinic.outcomes import summary
from kitclinic.outcomes.models import CourseOutcomeSummary, OutcomeSummaryState
from kitclinic.outcomes.selectors.dashboard import OutcomeFilter, outcomes_dashboard, summarize
from tests.factories import PatientFactory, UserFactory
from tests.outcomes.helpers import (
    assert_dashboards_match_the_engine,
    day,
    give_infusion,
    make_course,
    rate,
)

pytestmark = pytest.mark.django_db


def _random_course(rng: random.Random, patient, clinician, start: float) -> None:
    instrument = rng.choice(["phq9", "phq9", "gad7"])
    top = 27 if instrument == "phq9" else 21
    course = make_course(
        patient,
        clinician=clinician,
        protocol=rng.choice(["standard", "accelerated"]),
        planned_at=day(start - 7),
    )
    rate(patient, instrument, day(start - 1), rng.randint(8, top))
    for k in range(1, rng.randint(1, 6) + 1):
        begin = day(start + 3 * (k - 1))
        give_infusion(
            course,
            k,
            begin,
            pre_sbp=rng.choice([None, 120, 131]),
            max_sbp=rng.choice([None, 135, 150]),
            cadss=rng.choice([None, 4.0, 17.0]),
            adverse_events=rng.choice([0, 0, 0, 1]),
        )
        if k == 1:
            for hours in rng.sample([1.0, 4.0, 4.5, 23.0, 30.0], 2):
                rate(patient, instrument, begin + dt.timedelta(hours=hours), rng.randint(0, top))
        rate(patient, instrument, begin + dt.timedelta(days=1), rng.randint(0, top))
    if rng.random() < 0.5:
        rate(patient, instrument, day(start + 30), rng.randint(0, top))


def test_summaries_equal_the_engine_after_build_and_after_each_kind_of_change(world):
    rng = random.Random(7)
    doc = world.users["physician"]
    other = UserFactory(username="dr-two")
    patients = [PatientFactory(home_clinic=world.clinic) for _ in range(12)]
    for i, p in enumerate(patients):
        _random_course(rng, p, doc if i % 2 else other, start=float(rng.randint(-60, 40)))
    org = world.clinic.organization_id
    assert summary.refresh(org) is None  # first time: the whole organization
    boards = assert_dashboards_match_the_engine(org)
    assert boards[0].n_included > 0 and boards[0].side_effects.sessions > 0

    # a later rating, a new infusion with vitals, CADSS and an adverse event, a second course
    target = patients[3]
    course = target.treatment_courses.first()
    rate(target, "phq9", day(90), 2)
    give_infusion(course, 9, day(80), pre_sbp=118, max_sbp=160, cadss=30.0, adverse_events=2)
    second = make_course(target, clinician=doc, planned_at=day(120))
    rate(target, "phq9", day(121), 20)
    give_infusion(second, 1, day(122))
    rate(target, "phq9", day(123), 9)
    # and a brand-new patient
    newcomer = PatientFactory(home_clinic=world.clinic)
    _random_course(rng, newcomer, doc, start=10.0)
    assert summary.refresh(org) == 2  # only the two patients with new records
    assert CourseOutcomeSummary.objects.filter(course=second).exists()
    assert_dashboards_match_the_engine(org)
    assert summary.refresh(org) == 0  # nothing new: nothing recomputed


def test_the_dashboard_reads_the_summaries_and_sees_new_records_on_the_next_request(world):
    doc = world.users["physician"]
    p = PatientFactory(home_clinic=world.clinic)
    course = make_course(p, clinician=doc, planned_at=day(-7))
    rate(p, "phq9", day(-1), 20)
    give_infusion(course, 1, day(0))
    rate(p, "phq9", day(1), 15)
    actor = world.actor("physician")
    board = outcomes_dashboard(actor, OutcomeFilter("phq9"))
    assert (board.n_included, board.overall.response.successes) == (1, 0)
    assert OutcomeSummaryState.objects.filter(organization_id=p.organization_id).exists()
    give_infusion(course, 2, day(3))
    rate(p, "phq9", day(4), 8)  # 60% better: a response
    board = outcomes_dashboard(actor, OutcomeFilter("phq9"))
    assert (board.n_included, board.overall.response.successes) == (1, 1)
    assert board.km.events == 1 and board.median_infusions_to_response == 2


def test_rebuild_command_recomputes_after_an_edit_in_place(world):
    doc = world.users["physician"]
    p = PatientFactory(home_clinic=world.clinic)
    course = make_course(p, clinician=doc, planned_at=day(-7))
    rate(p, "phq9", day(-1), 20)
    give_infusion(course, 1, day(0))
    late = rate(p, "phq9", day(1), 15)
    org = p.organization_id
    summary.refresh(org)
    # an edit in place (no new id) is not seen by the incremental refresh ...
    type(late).objects.filter(pk=late.pk).update(total=5)
    assert summary.refresh(org) == 0
    stale = summarize(summary.read(org), OutcomeFilter("phq9"), names={})
    assert stale.overall.response.successes == 0
    # ... and is by the rebuild
    out = StringIO()
    call_command("outcomes_rebuild", stdout=out)
    from kitclinic.accounts.models import Organization

    assert f"for {Organization.objects.count()} organization(s)" in out.getvalue()
    assert_dashboards_match_the_engine(org)
    fresh = summarize(summary.read(org), OutcomeFilter("phq9"), names={})
    assert fresh.overall.response.successes == 1


def test_an_organization_sees_only_its_own_courses(world):
    from tests.factories import ClinicFactory

    elsewhere = ClinicFactory(name="Other org clinic")
    assert elsewhere.organization_id != world.clinic.organization_id
    mine = PatientFactory(home_clinic=world.clinic)
    theirs = PatientFactory(home_clinic=elsewhere)
    for p in (mine, theirs):
        course = make_course(p, clinician=world.users["physician"], planned_at=day(-7))
        rate(p, "phq9", day(-1), 20)
        give_infusion(course, 1, day(0))
        rate(p, "phq9", day(1), 5)
    org = world.clinic.organization_id
    summary.refresh(org)
    assert set(CourseOutcomeSummary.objects.values_list("patient_id", flat=True)) == {mine.pk}
    assert summary.read(org).courses.patient_id.tolist() == [mine.pk]
