"""Contraindication catalogue and grouping ([kitclinic-workflow], [cohen-2018] in docs/sources.md)."""

from __future__ import annotations

import pytest

from kitclinic.intake import (
    CATALOGUE,
    CATALOGUE_BY_CODE,
    DEFAULT_CONTRAINDICATION_LIST_VERSION,
    DEFAULT_GROUPING,
    ContraindicationGroup,
    build_grouping,
)

# The default grouping of [kitclinic-workflow], written out here independently of the
# catalogue so that a moved item fails this test.
REFERENCE_NOT_ELIGIBLE = {
    "hypersensitivity_ketamine",
    "aneurysmal_vascular_disease_or_avm",
    "intracerebral_haemorrhage_history",
    "active_psychosis",
}
REFERENCE_NEEDS_REVIEW = {
    "uncontrolled_cardiovascular_disease",
    "pregnancy",
    "hepatic_disease_severe",
    "hepatic_disease_moderate",
    "raised_intracranial_or_intraocular_pressure",
    "substance_use_disorder",
    "bipolar_without_mood_stabilizer",
    "psychosis_history",
    "psychosis_family_risk",
    "severe_personality_disorder",
}


def test_default_grouping_is_exactly_the_reference_default() -> None:
    """[kitclinic-workflow]: not eligible = hypersensitivity, aneurysm/AVM, intracerebral
    haemorrhage, active
    psychosis; every other item needs physician review."""
    not_eligible = {c for c, g in DEFAULT_GROUPING.groups.items() if g == "not_eligible"}
    needs_review = {c for c, g in DEFAULT_GROUPING.groups.items() if g == "needs_review"}
    assert not_eligible == REFERENCE_NOT_ELIGIBLE
    assert needs_review == REFERENCE_NEEDS_REVIEW
    assert DEFAULT_GROUPING.version == DEFAULT_CONTRAINDICATION_LIST_VERSION


def test_catalogue_codes_are_unique_snake_case_and_every_item_cites_a_tagged_source() -> None:
    codes = [item.code for item in CATALOGUE]
    assert len(codes) == len(set(codes)) == len(CATALOGUE_BY_CODE)
    for item in CATALOGUE:
        assert item.code == item.code.lower() and " " not in item.code
        assert item.label
        assert any(tag in item.source for tag in ("[P]", "[S]", "[C]")), item.code
        assert "http" in item.source, item.code


def test_override_moves_an_item_and_records_the_new_version() -> None:
    """[kitclinic-workflow]: the clinic can move items between the groups."""
    grouping = build_grouping(
        {
            "hepatic_disease_severe": ContraindicationGroup.NOT_ELIGIBLE,
            "active_psychosis": "needs_review",
        },
        version="clinic-a-2026-12",
    )
    assert grouping.group_of("hepatic_disease_severe") is ContraindicationGroup.NOT_ELIGIBLE
    assert grouping.group_of("active_psychosis") is ContraindicationGroup.NEEDS_REVIEW
    assert grouping.group_of("pregnancy") is ContraindicationGroup.NEEDS_REVIEW
    assert grouping.version == "clinic-a-2026-12"
    # The default is untouched.
    assert DEFAULT_GROUPING.group_of("active_psychosis") is ContraindicationGroup.NOT_ELIGIBLE


def test_override_with_an_unknown_code_names_it() -> None:
    with pytest.raises(ValueError, match="ketamine_allergy"):
        build_grouping({"ketamine_allergy": "not_eligible"}, version="v2")


def test_override_with_an_unknown_group_names_it() -> None:
    with pytest.raises(ValueError, match="forbidden"):
        build_grouping({"pregnancy": "forbidden"}, version="v2")


def test_changed_grouping_cannot_reuse_the_default_version() -> None:
    """[kitclinic-workflow]: every decision records which version of the list it used, so a changed
    list needs
    its own version."""
    with pytest.raises(ValueError, match="version"):
        build_grouping({"pregnancy": "not_eligible"})
    same_as_default = build_grouping({"pregnancy": "needs_review"})
    assert same_as_default.groups == DEFAULT_GROUPING.groups


def test_grouping_rejects_an_empty_version_and_is_read_only() -> None:
    with pytest.raises(ValueError, match="version"):
        build_grouping({}, version="  ")
    with pytest.raises(TypeError):
        DEFAULT_GROUPING.groups["pregnancy"] = ContraindicationGroup.NOT_ELIGIBLE  # type: ignore[index]
    with pytest.raises(ValueError, match="nonsense"):
        DEFAULT_GROUPING.group_of("nonsense")
