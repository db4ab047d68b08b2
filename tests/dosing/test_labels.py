"""Finding codes stay stable for records and counts; staff read their plain labels."""

from __future__ import annotations

from kitclinic.dosing.labels import finding_label


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
