"""The instrument data itself: ranges, bands, citations, licence handling and LOINC codes."""

from __future__ import annotations

import pytest

from kitclinic.instruments import INSTRUMENT_IDS, INSTRUMENTS, get_instrument, maximum_total

# Ranges from the instruments' sources (docs/sources.md, section 5).
RANGES = {
    "phq9": (9, 27),
    "gad7": (7, 21),
    "pcl5": (20, 80),
    "qids-sr16": (16, 27),
    "madrs": (10, 60),
    "peg": (3, 10),
    "cadss": (23, 92),
    "aldrete": (5, 10),
}


def test_registry_ids_are_the_documented_ones():
    assert INSTRUMENT_IDS == (
        "phq9",
        "gad7",
        "pcl5",
        "qids-sr16",
        "madrs",
        "peg",
        "cadss",
        "aldrete",
    )
    assert all(get_instrument(i).id == i for i in INSTRUMENT_IDS)


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_item_count_and_declared_maximum_match_the_sources(instrument_id):
    """Source: docs/sources.md, section 5; the maximum is also recomputed from the answer options."""
    inst = get_instrument(instrument_id)
    n_items, maximum = RANGES[instrument_id]
    assert len(inst.items) == n_items
    assert [it.number for it in inst.items] == list(range(1, n_items + 1))
    assert inst.minimum == 0
    assert inst.maximum == maximum
    assert maximum_total(inst) == maximum


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_band_schemes_cover_the_whole_range_without_gaps(instrument_id):
    inst = get_instrument(instrument_id)
    for scheme in inst.band_schemes:
        assert scheme.bands[0].low == inst.minimum
        assert scheme.bands[-1].high == inst.maximum
        for lower, upper in zip(scheme.bands, scheme.bands[1:], strict=False):
            assert upper.low == lower.high + 1
        assert scheme.citation.text


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_every_clinical_rule_carries_a_citation(instrument_id):
    inst = get_instrument(instrument_id)
    assert inst.citation.text
    assert inst.licence.note
    for rule in inst.flag_rules:
        assert rule.citation.text
    for param in inst.parameters:
        assert param.citation.text and param.description
        assert param.default in param.choices
    for definition in (inst.response, inst.remission):
        if definition is not None:
            assert definition.citation.text


@pytest.mark.parametrize("instrument_id", ["phq9", "gad7", "pcl5", "aldrete"])
def test_item_text_ships_where_the_licence_allows(instrument_id):
    """Source: [phq-licence], [weathers-2013] (free / public domain), [aldrete-variants] (no
    restriction
    identified)."""
    inst = get_instrument(instrument_id)
    assert inst.licence.item_text_allowed
    assert all(it.text for it in inst.items)


@pytest.mark.parametrize("instrument_id", ["qids-sr16", "madrs", "peg", "cadss"])
def test_no_item_text_where_the_licence_is_unconfirmed(instrument_id):
    """Source: [ids-qids], [montgomery-asberg-1979], [krebs-2009], [bremner-1998]: do not ship item
    text
    until terms are confirmed."""
    inst = get_instrument(instrument_id)
    assert not inst.licence.item_text_allowed
    assert all(it.text is None for it in inst.items)
    assert all(it.label for it in inst.items)


def test_madrs_answer_options_carry_no_anchor_wording():
    """Source: [montgomery-asberg-1979]: do not ship item text or anchors."""
    for item in get_instrument("madrs").items:
        assert [o.label for o in item.options] == [str(v) for v in range(7)]


def test_phq9_loinc_codes_match_the_sources():
    """Source: [loinc], PHQ-9 codes (checked against US Core, loinc.org, eCQM)."""
    inst = get_instrument("phq9")
    assert inst.loinc is not None
    assert (inst.loinc.panel, inst.loinc.total) == ("44249-1", "44261-6")
    assert [it.loinc for it in inst.items] == [
        "44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
        "44258-2", "44252-5", "44253-3", "44260-8",
    ]  # fmt: skip
    answer_codes = [o.loinc_answer for o in inst.items[0].options]
    assert answer_codes == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    (difficulty,) = inst.unscored_items
    assert difficulty.loinc == "69722-7"
    assert [o.loinc_answer for o in difficulty.options] == [
        "LA6572-7", "LA6573-5", "LA6575-0", "LA6574-3",
    ]  # fmt: skip


def test_gad7_loinc_codes_match_the_reference_and_avoid_the_known_wrong_code():
    """Source: [loinc], GAD-7 codes (69726-8 is not a GAD-7 item)."""
    inst = get_instrument("gad7")
    assert inst.loinc is not None
    assert (inst.loinc.panel, inst.loinc.total) == ("69737-5", "70274-6")
    assert [it.loinc for it in inst.items] == [
        "69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7",
    ]  # fmt: skip
    assert "69726-8" not in {it.loinc for it in inst.items + inst.unscored_items}


def test_pcl5_loinc_codes_are_marked_as_mirror_only():
    """Source: [loinc]: PCL-5 101697-1 / 101698-9 seen on a mirror only."""
    loinc = get_instrument("pcl5").loinc
    assert loinc is not None
    assert (loinc.panel, loinc.total) == ("101697-1", "101698-9")
    assert loinc.checked_at.startswith("M")


@pytest.mark.parametrize("instrument_id", ["qids-sr16", "madrs", "peg", "cadss", "aldrete"])
def test_scales_without_loinc_codes_carry_none(instrument_id):
    """Source: [loinc]: no LOINC code identified for QIDS-SR16, MADRS, PEG, CADSS, Aldrete -> local
    code."""
    assert get_instrument(instrument_id).loinc is None


def test_unverified_settings_are_marked_unverified():
    """Source: [kitclinic-settings]: UNVERIFIED values become settings and say so."""
    madrs = get_instrument("madrs")
    assert madrs.parameter("item10_alert_level").citation.verified is False
    gad7 = get_instrument("gad7")
    assert gad7.response is not None and gad7.response.citation.verified is False
    assert gad7.remission is not None and gad7.remission.citation.verified is False
    phq9 = get_instrument("phq9")
    assert phq9.remission is not None and phq9.remission.citation.verified is True


def test_instruments_mapping_is_read_only():
    with pytest.raises(TypeError):
        INSTRUMENTS["x"] = INSTRUMENTS["phq9"]  # type: ignore[index]
