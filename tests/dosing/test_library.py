"""The default drug library: every figure sourced, the stored form round-trips, bad data is named.

Figures checked against docs/sources.md: [singh-2016] (0.5 mg/kg over 40 min), [cheo-dilution]
(1 mg/mL), [cohen-2018] (0.5–2 mg/kg/h, total ≥80 mg over >2 h), [weight-documentation] (15%),
[kitclinic-dose-rules] L2 (0.1 / 0.75 / 1 mg/kg, 1 mg/kg/h, 40 min), [murrough-2013] (6 infusions,
3×/week), [riva-posse-2018] (every 10 / 15 min), [rodrigues-crtce] (165/100 mmHg).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from kitclinic.dosing import (
    DEFAULT_LIBRARY_DATA,
    DosingMode,
    Indication,
    LibraryError,
    SourcedValue,
    SourceKind,
    default_library,
    library_from_dict,
    library_from_json,
    library_to_dict,
    vitals_times_during_min,
)

D = Decimal
LIB = default_library()


def sourced_values(node: Any) -> list[SourcedValue]:
    """Every SourcedValue reachable from a dataclass tree."""
    if isinstance(node, SourcedValue):
        return [node]
    if isinstance(node, tuple):
        return [v for item in node for v in sourced_values(item)]
    if hasattr(node, "__dataclass_fields__"):
        return [
            v for name in node.__dataclass_fields__ for v in sourced_values(getattr(node, name))
        ]
    return []


def test_every_indication_has_exactly_one_default_protocol():
    for indication in Indication:
        assert LIB.default_protocol(indication).indication is indication
        assert sum(p.is_default for p in LIB.protocols_for(indication)) == 1


def test_every_figure_carries_a_reference_citation_or_a_clinic_setting_reason():
    values = sourced_values(LIB)
    assert len(values) > 100
    for value in values:
        source = value.source
        if source.kind is SourceKind.REFERENCE:
            assert source.section and source.citation
        else:
            assert source.reason


def test_depression_defaults_are_the_sourced_figures():
    p = LIB.default_protocol("depression")
    assert p.dosing_mode is DosingMode.MG_PER_KG_OVER_DURATION
    assert (p.default_dose.value, p.default_duration_min.value) == (D("0.5"), D("40"))
    assert p.default_dose.source.kind is SourceKind.REFERENCE
    assert "[singh-2016]" in p.default_dose.source.section
    assert [c.value for c in p.concentrations_mg_per_ml] == [D("1"), D("10")]
    limits = p.dose_limits
    assert (limits.soft_min.value, limits.soft_max.value, limits.hard_max.value) == (
        D("0.1"),
        D("0.75"),
        D("1"),
    )
    assert all(
        "[kitclinic-dose-rules] L2" in v.source.section for v in (limits.soft_min, limits.soft_max)
    )
    assert p.rate_limits_mg_per_kg_per_h.hard_max.value == D("1")
    assert p.duration_limits_min.soft_min.value == D("40")
    assert p.course.infusions.value == D("6") and p.course.max_per_week.value == D("3")
    assert p.vitals_schedule.during_every_min.value == D("10")
    assert p.vitals_schedule.after_every_min.value == D("15")


def test_figures_no_source_gives_are_clinic_settings():
    p = LIB.default_protocol("depression")
    # L5 cap, weight range, interval, weekly total: the rules ask for them without a figure
    for value in (
        p.dose_limits_mg.hard_max,
        p.weight_limits_kg.hard_min,
        p.weight_limits_kg.hard_max,
        p.interval_limits_h.soft_min,
        p.weekly_limits_mg_per_kg.soft_max,
        p.concentrations_mg_per_ml[1],  # 10 mg/mL is not in the sources
    ):
        assert value.source.kind is SourceKind.CLINIC_SETTING
    unverified = {t.code for t in p.vitals_thresholds if "UNVERIFIED" in t.limit.source.reason}
    assert {"sbp_pause", "dbp_pause", "hr_pause", "spo2_low"} <= unverified


@pytest.mark.parametrize("indication", ["ptsd", "anxiety"])
def test_ptsd_and_anxiety_regimens_are_clinic_settings_not_borrowed_citations(indication):
    p = LIB.default_protocol(indication)
    regimen = sourced_values(
        (p.default_dose, p.default_duration_min, p.dose_limits, p.duration_limits_min)
    ) + sourced_values((p.rate_limits_mg_per_kg_per_h, p.dose_limits_mg))
    assert regimen
    for value in regimen:
        assert value.source.kind is SourceKind.CLINIC_SETTING
        assert "UNVERIFIED" in value.source.reason


def test_chronic_pain_follows_cohen_2018_in_mg_per_kg_per_h():
    p = LIB.default_protocol("chronic_pain")
    assert p.dosing_mode is DosingMode.MG_PER_KG_PER_H
    assert p.rate_limits_mg_per_kg_per_h is None
    assert (p.dose_limits.soft_min.value, p.dose_limits.hard_max.value) == (D("0.5"), D("2"))
    assert "Cohen" in p.dose_limits.hard_max.source.citation
    assert p.dose_limits_mg.soft_min.value == D("80")
    assert p.duration_limits_min.soft_min.value == D("120")
    assert p.course is None


def test_stored_form_round_trips_through_json_exactly():
    stored = json.dumps(library_to_dict(LIB))
    assert library_from_json(stored) == LIB
    assert library_to_dict(library_from_json(stored)) == library_to_dict(LIB)


def test_numbers_may_be_stored_as_json_numbers_too():
    data = copy.deepcopy(DEFAULT_LIBRARY_DATA)
    data["protocols"][0]["default_dose"]["value"] = 0.5
    assert library_from_dict(data).protocols[0].default_dose.value == D("0.5")


def test_vitals_times_during_the_infusion_include_start_and_end():
    p = LIB.default_protocol("depression")
    assert vitals_times_during_min(p, 40) == (0, 10, 20, 30, 40)
    assert vitals_times_during_min(p, 45) == (0, 10, 20, 30, 40, 45)


# -------------------------------------------------------------------------------- validation


def broken(edit: Any) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT_LIBRARY_DATA)
    edit(data)
    return data


def dep(data: dict[str, Any]) -> dict[str, Any]:
    return data["protocols"][0]


def _del(mapping: dict[str, Any], key: str) -> None:
    del mapping[key]


CASES = [
    ("missing field", lambda d: _del(dep(d), "dose_limits"), "protocols[0].dose_limits"),
    (
        "non-numeric value",
        lambda d: dep(d)["dose_limits"]["soft_max"].update(value="abc"),
        "protocols[0].dose_limits.soft_max.value",
    ),
    (
        "boolean where a number belongs",
        lambda d: dep(d)["default_dose"].update(value=True),
        "protocols[0].default_dose.value",
    ),
    (
        "zero limit",
        lambda d: dep(d)["dose_limits"]["hard_max"].update(value="0"),
        "protocols[0].dose_limits.hard_max.value",
    ),
    (
        "limits out of order",
        lambda d: dep(d)["dose_limits"]["soft_max"].update(value="1.5"),
        "protocols[0].dose_limits.hard_max",
    ),
    (
        "clinic setting without its reason",
        lambda d: dep(d)["dose_limits_mg"]["hard_max"]["source"].pop("reason"),
        "protocols[0].dose_limits_mg.hard_max.source.reason",
    ),
    (
        "reference without its citation",
        lambda d: dep(d)["default_dose"]["source"].update(citation=""),
        "protocols[0].default_dose.source.citation",
    ),
    (
        "unknown source kind",
        lambda d: dep(d)["default_dose"]["source"].update(kind="guess"),
        "protocols[0].default_dose.source.kind",
    ),
    (
        "unknown indication",
        lambda d: dep(d).update(indication="insomnia"),
        "protocols[0].indication",
    ),
    (
        "missing L5 cap",
        lambda d: dep(d)["dose_limits_mg"].pop("hard_max"),
        "protocols[0].dose_limits_mg.hard_max",
    ),
    (
        "missing weight range",
        lambda d: dep(d)["weight_limits_kg"].pop("hard_min"),
        "protocols[0].weight_limits_kg.hard_min",
    ),
    (
        "unknown bound",
        lambda d: dep(d)["dose_limits"].update(max={"value": "1"}),
        "protocols[0].dose_limits.max",
    ),
    (
        "no concentrations",
        lambda d: dep(d).update(concentrations_mg_per_ml=[]),
        "protocols[0].concentrations_mg_per_ml",
    ),
    (
        "duplicate concentration",
        lambda d: dep(d).update(
            concentrations_mg_per_ml=dep(d)["concentrations_mg_per_ml"][:1] * 2
        ),
        "protocols[0].concentrations_mg_per_ml",
    ),
    (
        "rate limits missing in mg/kg mode",
        lambda d: dep(d).update(rate_limits_mg_per_kg_per_h=None),
        "protocols[0].rate_limits_mg_per_kg_per_h",
    ),
    (
        "rate limits given in rate mode",
        lambda d: d["protocols"][3].update(
            rate_limits_mg_per_kg_per_h=dep(d)["rate_limits_mg_per_kg_per_h"]
        ),
        "protocols[3].rate_limits_mg_per_kg_per_h",
    ),
    (
        "default dose outside its own limits",
        lambda d: dep(d)["default_dose"].update(value="0.9"),
        "protocols[0].default_dose.value",
    ),
    (
        "default regimen too fast",
        lambda d: dep(d)["default_duration_min"].update(value="35"),
        "protocols[0].default_duration_min.value",
    ),
    (
        "maximum interval",
        lambda d: dep(d)["interval_limits_h"].update(soft_max=dep(d)["interval_limits_h"]["soft_min"]),
        "protocols[0].interval_limits_h.soft_max",
    ),
    ("duplicate id", lambda d: d["protocols"][1].update(id="depression-standard"), "protocols[1].id"),
    ("two defaults", lambda d: d["protocols"][1].update(indication="depression"), "protocols"),
    ("wrong schema version", lambda d: d.update(schema_version=2), "library.schema_version"),
    (
        "vital threshold with unknown vital",
        lambda d: dep(d)["vitals_thresholds"][0].update(vital="temperature"),
        "protocols[0].vitals_thresholds[0].vital",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_library_raises_an_error_naming_the_field(edit, field):
    with pytest.raises(LibraryError) as caught:
        library_from_dict(broken(edit))
    assert caught.value.field == field
    assert str(caught.value).startswith(field)


def test_the_default_data_itself_is_untouched_by_the_broken_copies():
    assert library_from_dict(DEFAULT_LIBRARY_DATA) == LIB


def test_invalid_json_is_a_library_error():
    with pytest.raises(LibraryError) as caught:
        library_from_json("{not json")
    assert caught.value.field == "library"


def test_dose_safety_doc_lists_every_protocol_and_rule():
    """docs/dose-safety.md is the human copy of the library; it must not miss an entry or rule."""
    from pathlib import Path

    from kitclinic.dosing import check_dose
    from kitclinic.dosing.nasal import check_fixed_dose

    doc = (Path(__file__).resolve().parents[2] / "docs" / "dose-safety.md").read_text()
    for protocol in LIB.protocols:
        assert f"`{protocol.id}`" in doc
        if protocol.nasal is not None:
            fixed = check_fixed_dose(
                protocol, dose_mg=protocol.default_dose.value, first_of_course=True
            )
            for finding in fixed.findings:
                assert f"`{finding.rule}`" in doc
            continue
        result = check_dose(
            protocol,
            weight_kg=70,
            dose=protocol.default_dose.value,
            duration_min=protocol.default_duration_min.value,
            concentration_mg_per_ml=1,
        )
        for finding in result.findings:
            assert f"`{finding.rule}`" in doc
    assert LIB.version in doc
