"""The difference between two drug libraries, in plain words (kitclinic.dosing.library.diff).

Table tests on the shipped default library ([kitclinic-dose-rules] L2 figures: dose soft maximum
0.75 mg/kg, hard maximum 1 mg/kg) and Hypothesis properties over edits of it: no change gives no
difference, every edited figure appears once with its old and new value, and the difference
from B to A is the one from A to B reversed."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.dosing import DrugLibrary, Protocol, SourcedValue, default_library
from kitclinic.dosing.library.diff import library_diff
from kitclinic.dosing.library.model import BOUNDS, Source, SourceKind

D = Decimal
LIB = default_library()
DEPRESSION = LIB.protocol("depression-standard")


def with_protocol(library: DrugLibrary, protocol: Protocol) -> DrugLibrary:
    protocols = tuple(protocol if p.id == protocol.id else p for p in library.protocols)
    return dataclasses.replace(library, protocols=protocols)


def with_limit(protocol: Protocol, quantity: str, bound: str, value: SourcedValue | None):
    limits = dataclasses.replace(getattr(protocol, quantity), **{bound: value})
    return dataclasses.replace(protocol, **{quantity: limits})


def test_the_same_library_has_no_difference():
    diff = library_diff(LIB, LIB)
    assert diff.is_empty and diff.change_count == 0 and diff.lines() == []


def test_a_changed_limit_is_shown_old_to_new_with_its_unit():
    soft_max = DEPRESSION.dose_limits.soft_max
    assert soft_max is not None
    new = with_protocol(
        LIB,
        with_limit(
            DEPRESSION, "dose_limits", "soft_max", dataclasses.replace(soft_max, value=D("0.7"))
        ),
    )
    diff = library_diff(LIB, new)
    assert diff.lines() == [
        "Depression (TRD), 0.5 mg/kg over 40 min, Dose, soft maximum: 0.75 mg/kg → 0.7 mg/kg"
    ]
    assert diff.audit_changes() == {
        "depression-standard: Dose, soft maximum": ["0.75 mg/kg", "0.7 mg/kg"]
    }


@pytest.mark.parametrize(
    ("quantity", "bound", "old", "new", "expected_what", "unit"),
    [
        ("duration_limits_min", "hard_max", "100", "90", "Duration, hard maximum", "min"),
        ("rate_limits_mg_per_kg_per_h", "hard_max", "1", "0.9", "Rate, hard maximum", "mg/kg/h"),
        ("dose_limits_mg", "hard_max", "75", "70", "Total dose per session, hard maximum", "mg"),
        ("weight_limits_kg", "hard_min", "30", "40", "Weight, hard minimum", "kg"),
        (
            "interval_limits_h",
            "soft_min",
            "40",
            "44",
            "Interval since the last session, soft minimum",
            "h",
        ),
        (
            "weekly_limits_mg_per_kg",
            "soft_max",
            "2.25",
            "2",
            "7-day cumulative dose, soft maximum",
            "mg/kg",
        ),
    ],
)
def test_each_quantity_is_named_with_its_bound_and_unit(
    quantity, bound, old, new, expected_what, unit
):
    current = getattr(getattr(DEPRESSION, quantity), bound)
    assert current.value == D(old)
    edited = with_limit(DEPRESSION, quantity, bound, dataclasses.replace(current, value=D(new)))
    (change,) = library_diff(LIB, with_protocol(LIB, edited)).changed[0].changes
    assert (change.what, change.old, change.new) == (
        expected_what,
        f"{old} {unit}",
        f"{new} {unit}",
    )


def test_a_bound_set_or_cleared_reads_not_set():
    source = Source(kind=SourceKind.CLINIC_SETTING, reason="local choice")
    edited = with_limit(DEPRESSION, "dose_limits_mg", "soft_max", SourcedValue(D("60"), source))
    changes = library_diff(LIB, with_protocol(LIB, edited)).changed[0].changes
    assert [(c.what, c.old, c.new) for c in changes] == [
        ("Total dose per session, soft maximum", "not set", "60 mg"),
        (
            "Total dose per session, soft maximum (source)",
            "not set",
            "clinic setting: local choice",
        ),
    ]
    back = library_diff(with_protocol(LIB, edited), LIB).changed[0].changes
    assert back[0].new == "not set"


def test_a_changed_source_is_its_own_line():
    soft_max = DEPRESSION.dose_limits.soft_max
    assert soft_max is not None
    resourced = dataclasses.replace(
        soft_max, source=Source(kind=SourceKind.CLINIC_SETTING, reason="governance 2026-12")
    )
    edited = with_limit(DEPRESSION, "dose_limits", "soft_max", resourced)
    (change,) = library_diff(LIB, with_protocol(LIB, edited)).changed[0].changes
    assert change.what == "Dose, soft maximum (source)"
    assert change.new == "clinic setting: governance 2026-12"


def test_protocols_added_and_removed_are_matched_by_id():
    copy = dataclasses.replace(
        DEPRESSION, id="depression-slow", name="Depression, slow", is_default=False
    )
    without_anxiety = tuple(p for p in LIB.protocols if p.id != "anxiety-standard")
    new = dataclasses.replace(LIB, protocols=(*without_anxiety, copy))
    diff = library_diff(LIB, new)
    assert [p.id for p in diff.added] == ["depression-slow"]
    assert [p.id for p in diff.removed] == ["anxiety-standard"]
    assert diff.changed == ()
    assert "Protocol added: Depression, slow" in diff.lines()
    assert diff.audit_changes()["protocol anxiety-standard"][1] is None


def test_library_label_drug_and_plain_protocol_fields():
    renamed = dataclasses.replace(DEPRESSION, name="Depression standard", is_default=True, notes="")
    new = dataclasses.replace(with_protocol(LIB, renamed), version="clinic-2026-12")
    diff = library_diff(LIB, new)
    assert [c.text for c in diff.library_changes] == [
        "version label: kitclinic-default-2026-12-07 → clinic-2026-12"
    ]
    texts = [c.text for c in diff.changed[0].changes]
    assert texts[0] == "Name: Depression (TRD), 0.5 mg/kg over 40 min → Depression standard"
    assert any(
        t.startswith("Notes: IV racemic ketamine") and t.endswith("→ not set") for t in texts
    )
    # what the approver reads carries no internal path or field name
    assert all("protocols[" not in t and "_limits" not in t for t in diff.lines())


QUANTITIES = ("dose_limits", "duration_limits_min", "dose_limits_mg", "weight_limits_kg")


@st.composite
def edits(draw):
    """One bound of one quantity of one protocol set to a new positive value."""
    protocol = draw(st.sampled_from(LIB.protocols))
    quantity = draw(st.sampled_from(QUANTITIES))
    bound = draw(st.sampled_from(BOUNDS))
    value = draw(st.decimals(min_value=D("0.01"), max_value=D("1000"), places=2))
    source = Source(kind=SourceKind.CLINIC_SETTING, reason="drawn")
    return protocol, quantity, bound, SourcedValue(value, source)


@given(st.lists(edits(), min_size=1, max_size=5))
def test_every_edit_is_in_the_difference_and_reversing_swaps_old_and_new(changes):
    new = LIB
    for protocol, quantity, bound, value in changes:
        current = new.protocol(protocol.id)
        new = with_protocol(new, with_limit(current, quantity, bound, value))
    forward, backward = library_diff(LIB, new), library_diff(new, LIB)
    assert [(c.what, c.old, c.new) for p in forward.changed for c in p.changes] == [
        (c.what, c.new, c.old) for p in backward.changed for c in p.changes
    ]
    assert forward.added == forward.removed == ()
    for protocol in new.protocols:
        before, after = LIB.protocol(protocol.id), protocol
        moved = {
            (q, b)
            for q in QUANTITIES
            for b in BOUNDS
            if getattr(getattr(before, q), b) != getattr(getattr(after, q), b)
        }
        shown = next((p.changes for p in forward.changed if p.protocol.id == protocol.id), ())
        # one line for the value (if it moved) and one for the source, per moved bound at most
        assert len(moved) <= len(shown) <= 2 * len(moved)


@given(st.sets(st.sampled_from([p.id for p in LIB.protocols])))
def test_removing_protocols_lists_exactly_those(removed_ids):
    new = dataclasses.replace(
        LIB, protocols=tuple(p for p in LIB.protocols if p.id not in removed_ids)
    )
    diff = library_diff(LIB, new)
    assert {p.id for p in diff.removed} == removed_ids
    assert diff.changed == () and diff.added == ()
    assert {p.id for p in library_diff(new, LIB).added} == removed_ids
