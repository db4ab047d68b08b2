"""The dashboard's figures on hand-computed cohorts, read from the database through the Django
selectors (courses, infusions and ratings placed by kitclinic.outcomes.data)."""

from __future__ import annotations

import datetime as dt

import pytest

from kitclinic.outcome_stats import cohort_summary, course_outcomes, wilson_interval
from kitclinic.outcomes.data import dataset, placing
from kitclinic.outcomes.selectors.dashboard import OutcomeFilter, outcomes_dashboard
from tests.factories import PatientFactory, UserFactory
from tests.outcomes.helpers import course_with_scores, day, give_infusion, make_course, rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(world):
    """PHQ-9, worked by hand:
    p1 standard: 20 → 12, 10, 8   response at 2 (10 = 50%), endpoint 8: responder, no remission
    p2 standard: 16 → 14, 12      no response; censored at 2
    p3 standard: 10 → (4 h: 6), 4 response and remission at 1
    p4 accelerated (other physician): 18 → 18, 17, 16, 15   early non-response at 4 (3/18 < 20%)
    p5 standard: no baseline (first rating after infusion 1): excluded
    """
    doc = world.users["physician"]
    other = UserFactory(username="dr-other", first_name="Ola", last_name="Other")
    pts = [PatientFactory(home_clinic=world.clinic) for _ in range(5)]
    course_with_scores(pts[0], clinician=doc, scores=[20, 12, 10, 8])
    course_with_scores(pts[1], clinician=doc, scores=[16, 14, 12])
    c3 = course_with_scores(pts[2], clinician=doc, scores=[10, 4])
    rate(pts[2], "phq9", day(0, hours=4), 6)
    assert c3.sessions.count() == 1
    course_with_scores(pts[3], clinician=other, scores=[18, 18, 17, 16, 15], protocol="accelerated")
    c5 = make_course(pts[4], clinician=doc, planned_at=day(-7))
    give_infusion(c5, 1, day(0))
    rate(pts[4], "phq9", day(1), 5)
    return pts, other


def test_rates_breakdowns_and_km_match_the_hand_computation(world, cohort):
    _pts, other = cohort
    board = outcomes_dashboard(world.actor("nurse"), OutcomeFilter("phq9"))
    assert board.courses == 5 and board.n_included == 4 and board.n_excluded == 1
    r = board.overall.response
    assert (r.successes, r.n) == (2, 4)
    assert (r.lower, r.upper) == pytest.approx(wilson_interval(2, 4))
    assert (board.overall.remission.successes, board.overall.remission.n) == (1, 4)
    protocols = {x.label: (x.n, x.response.successes) for x in board.by_protocol}
    assert protocols == {"standard": (3, 2), "accelerated": (1, 0)}
    clinicians = {x.label: x.n for x in board.by_clinician}
    assert clinicians == {world.users["physician"].get_full_name(): 3, "Ola Other": 1}
    assert [x.label for x in board.by_indication] == ["Depression"]
    assert [x.label for x in board.by_period] == ["2026-Q1"]
    # KM: at 1, 4 at risk, p3 responds → 3/4; at 2, 3 at risk (p1, p2, p4), p1 responds → 1/2.
    assert board.km.x[:3] == [0.0, 1.0, 2.0]
    assert board.km.y[:3] == pytest.approx([1.0, 0.75, 0.5])
    assert board.median_infusions_to_response == 2
    assert (board.early_non_response.successes, board.early_non_response.n) == (1, 1)
    assert (board.relapse.successes, board.relapse.n) == (0, 2)


def test_dashboard_agrees_with_the_engine_cohort_summary(world, cohort):
    ds = dataset.build_dataset(world.clinic.organization_id)
    outcomes = course_outcomes(placing.score_table(ds.courses, ds.rows), ds.criteria)
    summary = cohort_summary([o for o in outcomes if o.instrument == "phq9"])
    board = outcomes_dashboard(world.actor("physician"), OutcomeFilter("phq9"))
    assert summary.n_included == board.n_included
    assert summary.response.successes == board.overall.response.successes
    assert summary.remission.successes == board.overall.remission.successes
    assert summary.median_infusions_to_response == board.median_infusions_to_response
    assert list(summary.infusions_to_response.survival) == pytest.approx(board.km.y[1:])


def test_infusion_numbers_and_course_windows(world):
    """A rating is numbered by the infusions of its course started before it; a second course
    takes the ratings from its planning on, and a screening rating before any course is the
    first course's baseline."""
    doc = world.users["physician"]
    p = PatientFactory(home_clinic=world.clinic)
    rate(p, "phq9", day(-30), 22)  # screening, before the first course was planned
    c1 = make_course(p, clinician=doc, planned_at=day(-7))
    give_infusion(c1, 1, day(0))
    give_infusion(c1, 2, day(2))
    give_infusion(c1, 3, day(4), state="cancelled")  # never counts
    rate(p, "phq9", day(0, hours=-1), 20)
    rate(p, "phq9", day(1), 15)
    rate(p, "phq9", day(5), 9)
    c2 = make_course(p, clinician=doc, planned_at=day(60))
    rate(p, "phq9", day(61), 18)
    give_infusion(c2, 1, day(62))
    rate(p, "phq9", day(63), 8)
    ds = dataset.build_dataset(world.clinic.organization_id)
    placed = sorted(
        (int(ds.courses.course_id[ci]), int(n), float(s))
        for ci, n, s in zip(
            ds.rows.course_index, ds.rows.infusion_number, ds.rows.score, strict=True
        )
    )
    assert placed == sorted(
        [
            (c1.pk, 0, 22.0),
            (c1.pk, 0, 20.0),
            (c1.pk, 1, 15.0),
            (c1.pk, 2, 9.0),
            (c2.pk, 0, 18.0),
            (c2.pk, 1, 8.0),
        ]
    )


def test_rapid_onset_at_4_h_and_24_h(world, cohort):
    board = outcomes_dashboard(world.actor("physician"), OutcomeFilter("phq9"))
    onset = {o.label: o for o in board.onset}
    # 4 h: only p3 (10 → 6) = 40%. 24 h: p1 40%, p2 12.5%, p3 60%, p4 0% → mean 28.125%.
    assert (onset["4 h"].n, onset["4 h"].mean_change_pct) == (1, pytest.approx(40.0))
    assert onset["24 h"].n == 4
    assert onset["24 h"].mean_change_pct == pytest.approx((40 + 12.5 + 60 + 0) / 4)


def test_side_effects_from_the_session_records(world):
    doc = world.users["physician"]
    p = PatientFactory(home_clinic=world.clinic)
    c = make_course(p, clinician=doc, planned_at=day(-7))
    give_infusion(c, 1, day(0), pre_sbp=120, max_sbp=138, cadss=12, adverse_events=2)
    give_infusion(c, 2, day(3), pre_sbp=130, max_sbp=136)
    give_infusion(c, 3, day(6))
    board = outcomes_dashboard(world.actor("physician"), OutcomeFilter("phq9"))
    s = board.side_effects
    assert (s.sessions, s.adverse_events) == (3, 2)
    assert s.adverse_events_per_session == pytest.approx(2 / 3)
    assert (s.sessions_with_bp, s.bp_rise_mean, s.bp_rise_max) == (2, pytest.approx(12.0), 18.0)
    assert (s.sessions_with_cadss, s.cadss_mean) == (1, pytest.approx(12.0))


def test_filters_narrow_and_a_filter_matching_nothing_is_empty(world, cohort):
    _pts, other = cohort
    nurse = world.actor("nurse")
    only_other = outcomes_dashboard(nurse, OutcomeFilter("phq9", clinician_id=other.pk))
    assert only_other.n_included == 1 and only_other.overall.response.successes == 0
    accel = outcomes_dashboard(nurse, OutcomeFilter("phq9", protocol="accelerated"))
    assert accel.n_included == 1
    later = outcomes_dashboard(nurse, OutcomeFilter("phq9", date_from=dt.date(2026, 6, 1)))
    assert later.empty and later.overall is None and later.km is None
    ptsd = outcomes_dashboard(nurse, OutcomeFilter("phq9", indication="ptsd"))
    assert ptsd.empty and ptsd.by_protocol == []


def test_other_organizations_courses_are_not_counted(world, cohort, other_org_patient):
    course_with_scores(other_org_patient, clinician=world.users["other_org"], scores=[20, 2])
    mine = outcomes_dashboard(world.actor("physician"), OutcomeFilter("phq9"))
    theirs = outcomes_dashboard(world.actor("other_org"), OutcomeFilter("phq9"))
    assert mine.n_included == 4
    assert theirs.n_included == 1 and theirs.overall.remission.successes == 1


def test_dataset_is_reused_until_the_data_changes(world, cohort, django_assert_max_num_queries):
    org = world.clinic.organization_id
    first = dataset.dataset_for(org)
    with django_assert_max_num_queries(1):
        assert dataset.dataset_for(org) is first  # only the fingerprint query
    rate(cohort[0][1], "phq9", day(30), 3)
    assert dataset.dataset_for(org) is not first
