"""Edits of a draft library through forms (kitclinic.dosing.library.edit): each bound of a
quantity, a protocol's details, adding and retiring a protocol. Every refusal names the form
field and what is allowed, and is the very refusal ``library_from_dict`` gives the same library
pasted whole: one set of rules.

Figures of the shipped default ([kitclinic-dose-rules] L2): depression dose soft minimum 0.1,
soft maximum 0.75, hard maximum 1 mg/kg; interval hard minimum 20 h, soft minimum 40 h."""

from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal

import pytest

from kitclinic.dosing import DEFAULT_LIBRARY_DATA, LibraryError, library_from_dict
from kitclinic.dosing.library.edit import (
    FigureInput,
    LibraryEditError,
    ProtocolDetails,
    figure_input,
    library_details_edit,
    limits_edit,
    protocol_add,
    protocol_edit,
    protocol_restore,
    protocol_retire,
)

D = Decimal
DATA = DEFAULT_LIBRARY_DATA
DEPRESSION = DATA["protocols"][0]
REFERENCE = {"kind": "reference", "section": "[cohen-2018]", "citation": "Cohen 2018"}


def dose_bounds(**changes: FigureInput | None) -> dict[str, FigureInput]:
    bounds = {b: figure_input(DEPRESSION["dose_limits"].get(b)) for b in DEPRESSION["dose_limits"]}
    for bound, figure in changes.items():
        if figure is None:
            bounds.pop(bound, None)
        else:
            bounds[bound] = figure
    return bounds


def setting(value: str, reason: str = "governance 2026-12") -> FigureInput:
    return FigureInput(value=D(value), kind="clinic_setting", reason=reason)


def refused(**kwargs) -> LibraryEditError:
    with pytest.raises(LibraryEditError) as caught:
        limits_edit(DATA, protocol_id="depression-standard", quantity="dose_limits", **kwargs)
    return caught.value


def test_a_valid_limit_edit_returns_a_new_library_and_leaves_the_input_alone():
    before = copy.deepcopy(DATA)
    new = limits_edit(
        DATA,
        protocol_id="depression-standard",
        quantity="dose_limits",
        bounds=dose_bounds(soft_max=setting("0.7")),
    )
    assert new["protocols"][0]["dose_limits"]["soft_max"]["value"] == "0.7"
    assert DATA == before
    library = library_from_dict(new)
    assert library.protocol("depression-standard").dose_limits.soft_max.value == D("0.7")


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        # each bound above the next one up is refused on the higher bound, naming the lower one
        ({"soft_min": setting("0.8")}, "soft_max", "below the soft minimum 0.8"),
        ({"soft_max": setting("1.5")}, "hard_max", "below the soft maximum 1.5"),
        ({"hard_min": setting("0.2")}, "soft_min", "below the hard minimum 0.2"),
        # positive numbers only
        ({"soft_min": setting("0")}, "soft_min", "greater than 0"),
        ({"soft_max": setting("-0.5")}, "soft_max", "greater than 0"),
        ({"hard_max": setting("-1")}, "hard_max", "greater than 0"),
        ({"hard_min": setting("0")}, "hard_min", "greater than 0"),
        # the dose's hard maximum is required (L2)
        ({"hard_max": None}, "hard_max", "needs a hard maximum"),
        # every figure has its source
        ({"soft_max": setting("0.7", reason="")}, "soft_max_reason", "why no published figure"),
        (
            {"soft_max": FigureInput(D("0.7"), kind="reference", citation="x")},
            "soft_max_section",
            "docs/sources.md",
        ),
        (
            {"soft_max": FigureInput(D("0.7"), kind="reference", section="[cohen-2018]")},
            "soft_max_citation",
            "required for a published figure",
        ),
        ({"soft_max": FigureInput(D("0.7"), kind="guess")}, "soft_max_kind", "expected one of"),
    ],
)
def test_each_bound_is_refused_on_its_field_with_what_is_allowed(changes, field, says):
    error = refused(bounds=dose_bounds(**changes))
    assert error.field == field
    assert says in error.message


def test_a_limit_that_puts_the_default_regimen_outside_is_refused_with_the_range():
    error = refused(bounds=dose_bounds(soft_max=setting("0.4")))
    assert error.field is None
    assert (
        "default dose 0.5 mg/kg is outside the protocol's soft dose limits (0.1 to 0.4 mg/kg)"
        in (error.message)
    )
    assert error.message.startswith("Depression (TRD), 0.5 mg/kg over 40 min: default dose")


def test_interval_limits_take_minimums_only():
    interval = DEPRESSION["interval_limits_h"]
    bounds = {b: figure_input(v) for b, v in interval.items()}
    with pytest.raises(LibraryEditError) as caught:
        limits_edit(
            DATA,
            protocol_id="depression-standard",
            quantity="interval_limits_h",
            bounds={**bounds, "soft_max": setting("100")},
        )
    assert caught.value.field == "soft_max"
    assert "only minimum intervals" in caught.value.message


def test_the_form_and_a_pasted_library_refuse_the_same_thing():
    """The edit does not re-implement a rule: the dict it refuses, pasted whole, is refused by
    ``library_from_dict`` with the same problem."""
    pasted = copy.deepcopy(DATA)
    pasted["protocols"][0]["dose_limits"]["soft_max"] = {
        "value": "1.5",
        "source": {"kind": "clinic_setting", "reason": "x"},
    }
    with pytest.raises(LibraryError) as whole:
        library_from_dict(pasted)
    error = refused(bounds=dose_bounds(soft_max=setting("1.5", reason="x")))
    assert whole.value.field == "protocols[0].dose_limits.hard_max"
    assert (error.field, error.message) == ("hard_max", whole.value.problem)


def test_an_unknown_protocol_or_quantity_is_refused():
    with pytest.raises(LibraryEditError, match="no protocol 'nope'"):
        limits_edit(DATA, protocol_id="nope", quantity="dose_limits", bounds={})
    with pytest.raises(KeyError):
        limits_edit(DATA, protocol_id="depression-standard", quantity="colour", bounds={})


def details(**changes) -> ProtocolDetails:
    base = ProtocolDetails(
        name=DEPRESSION["name"],
        indication="depression",
        is_default=True,
        notes="",
        default_dose=figure_input(DEPRESSION["default_dose"]),
        default_duration_min=figure_input(DEPRESSION["default_duration_min"]),
        min_observation_min=figure_input(DEPRESSION["min_observation_min"]),
        concentrations_mg_per_ml=(D("1"), D("10")),
    )
    return dataclasses.replace(base, **changes)


def test_protocol_edit_changes_the_regimen_and_keeps_known_concentration_sources():
    new = protocol_edit(
        DATA,
        protocol_id="depression-standard",
        details=details(
            default_duration_min=setting("45"),
            concentrations_mg_per_ml=(D("1"), D("2")),
            concentrations_reason="the pharmacy's 2 mg/mL bag",
        ),
    )
    protocol = new["protocols"][0]
    assert protocol["default_duration_min"]["value"] == "45"
    assert protocol["concentrations_mg_per_ml"][0] == DEPRESSION["concentrations_mg_per_ml"][0]
    assert protocol["concentrations_mg_per_ml"][1]["source"] == {
        "kind": "clinic_setting",
        "reason": "the pharmacy's 2 mg/mL bag",
    }


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"name": "  "}, "name", "non-empty"),
        ({"default_dose": setting("0.9")}, "default_dose", "outside the protocol's soft dose"),
        ({"default_duration_min": setting("70")}, "default_duration_min", "outside"),
        ({"default_dose": FigureInput(None)}, "default_dose", "required"),
        ({"min_observation_min": setting("0")}, "min_observation_min", "greater than 0"),
        ({"concentrations_mg_per_ml": ()}, "concentrations", "at least one"),
        ({"concentrations_mg_per_ml": (D("1"), D("1"))}, "concentrations", "duplicate"),
        ({"concentrations_mg_per_ml": (D("1"), D("5"))}, "concentrations_reason", "required"),
        ({"concentrations_mg_per_ml": (D("-1"),)}, "concentrations", "greater than 0"),
        # taking the default flag off the only depression default leaves none
        ({"is_default": False}, "is_default", "exactly one is_default"),
    ],
)
def test_protocol_edit_refusals_name_the_field(changes, field, says):
    with pytest.raises(LibraryEditError) as caught:
        protocol_edit(DATA, protocol_id="depression-standard", details=details(**changes))
    assert caught.value.field == field
    assert says in caught.value.message


def test_moving_a_default_protocol_to_another_indication_takes_that_ones_default():
    # depression's only protocol: the nasal one would otherwise be left without the default
    only_iv = {**DATA, "protocols": [p for p in DATA["protocols"] if p["id"] != "esketamine-nasal"]}
    new = protocol_edit(
        only_iv, protocol_id="depression-standard", details=details(indication="ptsd")
    )
    ptsd = {p["id"]: p["is_default"] for p in new["protocols"] if p["indication"] == "ptsd"}
    assert ptsd == {"depression-standard": True, "ptsd-standard": False}


def test_adding_a_protocol_copies_figures_as_clinic_settings_and_a_second_default_moves():
    new = protocol_add(
        DATA,
        base_id="depression-standard",
        new_id="depression-extended",
        name="Depression, 0.5 mg/kg over 60 min",
        indication="depression",
    )
    added = new["protocols"][-1]
    assert (added["id"], added["is_default"]) == ("depression-extended", False)
    assert added["dose_limits"]["soft_max"]["source"]["kind"] == "clinic_setting"
    assert (
        "copied from protocol depression-standard"
        in added["dose_limits"]["soft_max"]["source"]["reason"]
    )
    # making it the default takes the flag off the other depression protocol
    moved = protocol_edit(
        new,
        protocol_id="depression-extended",
        details=details(name=added["name"], is_default=True),
    )
    defaults = [
        p["id"] for p in moved["protocols"] if p["indication"] == "depression" and p["is_default"]
    ]
    assert defaults == ["depression-extended"]


@pytest.mark.parametrize(
    ("new_id", "says"),
    [
        ("depression-standard", "duplicate protocol id"),
        ("Bad Id", "not a protocol id"),
        ("x", "not a protocol id"),
    ],
)
def test_a_new_protocol_id_must_be_new_and_a_slug(new_id, says):
    with pytest.raises(LibraryEditError) as caught:
        protocol_add(
            DATA, base_id="depression-standard", new_id=new_id, name="n", indication="depression"
        )
    assert caught.value.field == "id"
    assert says in caught.value.message


def test_retiring_a_default_with_siblings_is_refused_and_others_may_go():
    two = protocol_add(
        DATA,
        base_id="depression-standard",
        new_id="depression-b",
        name="B",
        indication="depression",
    )
    with pytest.raises(LibraryEditError, match="make another one .* the default first"):
        protocol_retire(two, protocol_id="depression-standard")
    assert [p["id"] for p in protocol_retire(two, protocol_id="depression-b")["protocols"]] == [
        p["id"] for p in DATA["protocols"]
    ]
    only_default = protocol_retire(DATA, protocol_id="anxiety-standard")
    assert "anxiety-standard" not in [p["id"] for p in only_default["protocols"]]


def test_the_last_protocol_cannot_be_retired():
    data = copy.deepcopy(DATA)
    data["protocols"] = data["protocols"][:1]
    with pytest.raises(LibraryEditError, match="at least one protocol"):
        protocol_retire(data, protocol_id="depression-standard")


def test_library_details_are_required():
    assert library_details_edit(DATA, version="clinic-1", drug="ketamine")["version"] == "clinic-1"
    with pytest.raises(LibraryEditError) as caught:
        library_details_edit(DATA, version=" ", drug="ketamine")
    assert caught.value.field == "version"


def test_restore_undoes_a_protocols_changes_or_puts_a_retired_one_back():
    edited = limits_edit(
        DATA,
        protocol_id="depression-standard",
        quantity="dose_limits",
        bounds=dose_bounds(soft_max=setting("0.7")),
    )
    assert protocol_restore(edited, source=DATA, protocol_id="depression-standard") == DATA
    retired = protocol_retire(DATA, protocol_id="anxiety-standard")
    back = protocol_restore(retired, source=DATA, protocol_id="anxiety-standard")
    assert back == DATA
    # a protocol the source does not have cannot be restored
    added = protocol_add(
        DATA,
        base_id="depression-standard",
        new_id="depression-b",
        name="B",
        indication="depression",
    )
    with pytest.raises(LibraryEditError, match="no protocol 'depression-b'"):
        protocol_restore(added, source=DATA, protocol_id="depression-b")
