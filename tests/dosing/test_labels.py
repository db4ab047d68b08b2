"""Finding codes stay stable for records and counts; staff read their plain labels."""

from __future__ import annotations

from kitclinic.dosing.default_library import DEFAULT_LIBRARY_DATA
from kitclinic.dosing.labels import THRESHOLD_LABELS, finding_label, threshold_label


def test_finding_codes_read_as_plain_labels():
    assert finding_label("weight_change_above_soft_max") == (
        "Weight change above the soft upper limit"
    )
    assert finding_label("dose_mg_above_hard_max") == "Total dose above the hard upper limit"
    assert finding_label("rate_below_soft_min") == "Rate below the soft lower limit"
    assert finding_label("discharge_aldrete_not_met") == (
        "Modified Aldrete below the discharge criterion"
    )
    assert finding_label("something_new") == "Something new"  # never the bare code


def test_vital_sign_alert_codes_read_as_plain_labels():
    assert finding_label("gate_sbp_pause") == (
        "Check-in vital sign outside the start criteria: systolic blood pressure at the pause limit"
    )
    assert threshold_label("spo2_low") == "low oxygen saturation"
    # a clinic's own alert code: the vital in full, then its words
    assert threshold_label("sbp_very_high") == "systolic blood pressure very high"
    assert threshold_label("lactate_high") == "lactate high"


def test_every_alert_of_the_shipped_library_has_its_own_label():
    codes = {t["code"] for p in DEFAULT_LIBRARY_DATA["protocols"] for t in p["vitals_thresholds"]}
    assert codes and codes <= set(THRESHOLD_LABELS)
