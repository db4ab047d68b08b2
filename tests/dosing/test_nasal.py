"""Fixed-dose nasal protocols (esketamine): the order check, the device arithmetic, the timing
rules, and the library's own checks of a nasal protocol.

Reference figures from the Spravato prescribing information ([spravato-label]): 28 mg per device,
56 mg = 2 devices, 84 mg = 3, a first dose of 56 mg, 5 min between devices, blood pressure about
40 min after dosing, at least 2 h of observation.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.dosing import (
    DEFAULT_LIBRARY_DATA,
    DoseInputError,
    LibraryError,
    Severity,
    TreatmentKind,
    check_dose,
    default_library,
    library_from_dict,
    library_to_dict,
)
from kitclinic.dosing.nasal import (
    NotANasalProtocol,
    check_fixed_dose,
    discharge_possible_at,
    next_device_at,
    post_dose_bp_due_at,
    predose_bp_finding,
)

LIB = default_library()
NASAL = LIB.protocol("esketamine-nasal")
IV = LIB.protocol("depression-standard")
T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def test_the_default_library_has_the_labelled_nasal_regimen():
    regimen = NASAL.nasal
    assert regimen is not None
    assert NASAL.treatment_kind is TreatmentKind.ESKETAMINE_NASAL
    assert regimen.doses_mg == (Decimal(56), Decimal(84))
    assert (regimen.mg_per_device.value, regimen.first_dose_mg.value) == (28, 56)
    assert (regimen.device_interval_min.value, regimen.post_dose_bp_at_min.value) == (5, 40)
    assert NASAL.min_observation_min.value == 120
    assert [regimen.devices_for(d) for d in regimen.doses_mg] == [2, 3]
    # the pre-dose figure is not in the label text found: a clinic setting that says so
    assert "not verified" in regimen.predose_sbp_mmhg.source.reason
    assert IV.treatment_kind is TreatmentKind.IV_KETAMINE and IV.nasal is None


@pytest.mark.parametrize(("dose", "devices"), [(56, 2), (84, 3)])
def test_a_fixed_dose_is_allowed_and_counted_in_devices(dose, devices):
    result = check_fixed_dose(NASAL, dose_mg=dose, first_of_course=False, hours_since_last=72)
    assert (result.status, result.devices, result.dose_mg) == (Severity.OK, devices, dose)


@pytest.mark.parametrize("dose", [28, 55, 57, 70, 112, "56.5"])
def test_any_other_dose_is_a_hard_stop_naming_the_allowed_doses(dose):
    result = check_fixed_dose(NASAL, dose_mg=dose, first_of_course=False)
    finding = result.finding("fixed_dose")
    assert finding.severity is Severity.HARD
    assert "56 mg, 84 mg" in finding.message
    assert result.status is Severity.HARD


def test_the_first_dose_of_a_course_must_be_56_mg():
    result = check_fixed_dose(NASAL, dose_mg=84, first_of_course=True)
    assert result.finding("first_dose").severity is Severity.HARD
    assert "starts at 56 mg" in result.finding("first_dose").message
    assert check_fixed_dose(NASAL, dose_mg=56, first_of_course=True).status is Severity.OK


def test_a_second_dose_the_same_day_is_a_hard_stop_and_two_days_is_soft():
    assert (
        check_fixed_dose(NASAL, dose_mg=56, first_of_course=False, hours_since_last=5)
        .finding("interval")
        .severity
        is Severity.HARD
    )
    assert (
        check_fixed_dose(NASAL, dose_mg=56, first_of_course=False, hours_since_last=30)
        .finding("interval")
        .severity
        is Severity.SOFT
    )


@pytest.mark.parametrize("bad", ["nan", "inf", 0, -56, "x", True, None])
def test_a_dose_that_is_no_number_is_an_input_error_naming_the_field(bad):
    with pytest.raises(DoseInputError) as caught:
        check_fixed_dose(NASAL, dose_mg=bad, first_of_course=False)
    assert caught.value.field == "dose_mg"


def test_the_iv_checker_refuses_a_fixed_dose_protocol_and_the_nasal_one_an_iv_protocol():
    with pytest.raises(DoseInputError, match="fixed-dose protocol"):
        check_dose(NASAL, weight_kg=70, dose=56, duration_min=10, concentration_mg_per_ml=1)
    with pytest.raises(NotANasalProtocol):
        check_fixed_dose(IV, dose_mg=56, first_of_course=False)


@given(st.decimals("0.01", "500", places=2), st.booleans())
def test_only_the_fixed_doses_pass_and_devices_times_28_is_the_dose(dose, first):
    result = check_fixed_dose(NASAL, dose_mg=dose, first_of_course=first)
    allowed = dose in (56, 84) and (not first or dose == 56)
    assert (result.status is not Severity.HARD) is allowed
    if result.finding("fixed_dose").severity is Severity.OK:
        assert result.devices * 28 == dose
    assert result.status is max((f.severity for f in result.findings), key=lambda s: s.rank)


@given(st.integers(60, 260), st.integers(30, 160))
def test_the_predose_pressure_is_a_soft_stop_exactly_above_140_or_90(sbp, dbp):
    finding = predose_bp_finding(NASAL, sbp_mmhg=sbp, dbp_mmhg=dbp)
    above = sbp > 140 or dbp > 90
    assert finding.severity is (Severity.SOFT if above else Severity.OK)


def test_the_timing_rules_follow_the_last_device():
    assert next_device_at(NASAL, T0) == T0 + dt.timedelta(minutes=5)
    assert post_dose_bp_due_at(NASAL, T0) == T0 + dt.timedelta(minutes=40)
    assert discharge_possible_at(NASAL, T0) == T0 + dt.timedelta(hours=2)


def _with_nasal(**changes):
    data = copy.deepcopy(DEFAULT_LIBRARY_DATA)
    protocol = next(p for p in data["protocols"] if p["id"] == "esketamine-nasal")
    for path, value in changes.items():
        node = protocol
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {
                "nasal__fixed_doses_mg": [
                    {"value": "50", "source": {"kind": "clinic_setting", "reason": "x"}}
                ]
            },
            "fixed_doses_mg[0].value",
        ),
        ({"nasal__fixed_doses_mg": []}, "fixed_doses_mg"),
        ({"nasal": None}, "nasal"),
        ({"treatment_kind": "iv_ketamine"}, "dosing_mode"),
        (
            {
                "concentrations_mg_per_ml": [
                    {"value": "1", "source": {"kind": "clinic_setting", "reason": "x"}}
                ]
            },
            "concentrations_mg_per_ml",
        ),
        ({"default_dose__value": "28"}, "default_dose.value"),
        ({"nasal__first_dose_mg__value": "112"}, "first_dose_mg.value"),
        ({"dose_limits_mg__hard_max__value": "56"}, "fixed_doses_mg[1].value"),
    ],
)
def test_the_library_refuses_a_malformed_nasal_protocol_naming_the_path(changes, field):
    with pytest.raises(LibraryError) as caught:
        library_from_dict(_with_nasal(**changes))
    assert caught.value.field.endswith(field)


def test_an_iv_protocol_with_a_nasal_block_is_refused():
    data = copy.deepcopy(DEFAULT_LIBRARY_DATA)
    data["protocols"][0]["nasal"] = copy.deepcopy(data["protocols"][-1]["nasal"])
    with pytest.raises(LibraryError, match="must be null"):
        library_from_dict(data)


def test_a_stored_version_without_kinds_loads_as_iv_ketamine():
    data = copy.deepcopy(DEFAULT_LIBRARY_DATA)
    data["protocols"] = [p for p in data["protocols"] if p["id"] != "esketamine-nasal"]
    for protocol in data["protocols"]:
        protocol.pop("treatment_kind", None)
    library = library_from_dict(data)
    assert {p.treatment_kind for p in library.protocols} == {TreatmentKind.IV_KETAMINE}


def test_the_nasal_protocol_round_trips_through_its_stored_form():
    assert library_from_dict(library_to_dict(LIB)).protocol("esketamine-nasal") == NASAL
