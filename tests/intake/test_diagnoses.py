"""Qualifying diagnoses per indication: ICD-10-CM codes, the hierarchy match and the code lists.

Codes and their place in the hierarchy: the ICD-10-CM tabular list (CMS / CDC NCHS, FY2026), as
listed in docs/sources.md [icd-10-cm] (F43.10/.11/.12 PTSD, F41.1 GAD, G90.50–G90.59
CRPS I, G89.21 … chronic pain; F43.1 and G89.2 are headers, not billable codes).
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitclinic.intake import (
    DEFAULT_CODE_LIST_VERSION,
    DEFAULT_CODE_LISTS,
    CodeListEntry,
    DiagnosisCode,
    Indication,
    build_code_list,
    normalize_icd10cm,
)
from kitclinic.intake.diagnoses import MAX_CODE_LIST_ENTRIES, icd10cm_compact

ALNUM = string.ascii_uppercase + string.digits

# --- codes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_code", "canonical"),
    [
        ("F43.10", "F43.10"),
        ("f43.10", "F43.10"),
        (" F4310 ", "F43.10"),
        ("F33", "F33"),
        ("t1491xa", "T14.91XA"),
        ("F32.A", "F32.A"),
        ("G90.50", "G90.50"),
    ],
)
def test_codes_are_normalised_upper_case_with_the_dot_after_the_category(
    given_code: str, canonical: str
) -> None:
    assert normalize_icd10cm(given_code) == canonical


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "F",
        "F4",
        "43.10",
        "FF3.1",
        "F43.12345",
        "F4.310",
        "F43..1",
        "F43-10",
        "F43.1/",
        "é43",
        "F33.",
    ],
)
def test_malformed_codes_are_refused_naming_the_code(bad: str) -> None:
    with pytest.raises(ValueError, match="is not an ICD-10-CM code"):
        normalize_icd10cm(bad)


def test_a_code_that_is_not_text_is_refused() -> None:
    with pytest.raises(ValueError, match="must be text"):
        normalize_icd10cm(4310)  # type: ignore[arg-type]


def test_a_malformed_diagnosis_on_file_is_refused() -> None:
    with pytest.raises(ValueError, match="'PTSD' is not an ICD-10-CM code"):
        DiagnosisCode("PTSD")


# --- entries and the hierarchy -------------------------------------------------------------------


@pytest.mark.parametrize("code", ["F43.10", "F43.11", "F43.12", "f4312", "F43.1"])
def test_the_ptsd_header_covers_every_ptsd_code(code: str) -> None:
    """F43.1 is a header; F43.10/.11/.12 lie under it ([icd-10-cm])."""
    assert CodeListEntry.parse("F43.1", source="ICD-10-CM").covers(code)


@pytest.mark.parametrize("code", ["F43", "F43.0", "F43.2", "F43.20", "F42.1", "F44.1", "G43.1"])
def test_the_ptsd_header_covers_nothing_outside_it(code: str) -> None:
    """F43 (the category) is less specific than the header: it also holds acute stress reaction
    and adjustment disorders, so it does not qualify for PTSD."""
    assert not CodeListEntry.parse("F43.1", source="ICD-10-CM").covers(code)


@pytest.mark.parametrize(
    ("code", "covered"),
    [
        ("F32.0", True),
        ("F32.A", True),
        ("F32.81", True),
        ("F33.2", True),
        ("F33.42", True),
        ("F33.9", True),
        ("F31.81", False),
        ("F34.1", False),
        ("F3", False),
    ],
)
def test_a_category_range_covers_its_categories_and_nothing_else(code: str, covered: bool) -> None:
    entry = CodeListEntry.parse("F32–F33", source="ICD-10-CM")
    assert entry.code == "F32-F33"
    if code == "F3":
        with pytest.raises(ValueError):
            entry.covers(code)
    else:
        assert entry.covers(code) is covered


def test_a_subcategory_range_compares_at_its_own_level() -> None:
    entry = CodeListEntry.parse("G90.50-G90.59", source="ICD-10-CM")
    assert entry.covers("G90.50") and entry.covers("G90.511") and entry.covers("G90.59")
    assert not entry.covers("G90.5") and not entry.covers("G90.4") and not entry.covers("G90.8")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("F33-F32", "comes after"),
        ("F32-F33.9", "same level"),
        ("F32-G33", "one chapter letter"),
        ("F32-F33-F34", "exactly two ends"),
        ("F32-", "is not an ICD-10-CM code"),
        ("depression", "is not an ICD-10-CM code"),
    ],
)
def test_malformed_entries_are_refused_saying_why(code: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CodeListEntry.parse(code, source="ICD-10-CM")


def test_an_entry_needs_its_source() -> None:
    with pytest.raises(ValueError, match="give the source"):
        CodeListEntry.parse("F43.1", source="  ")


# --- code lists ----------------------------------------------------------------------------------


def test_default_lists_cover_every_indication_as_version_1_each_entry_with_its_source() -> None:
    assert set(DEFAULT_CODE_LISTS) == set(Indication)
    for indication, code_list in DEFAULT_CODE_LISTS.items():
        assert code_list.indication is indication
        assert code_list.version == DEFAULT_CODE_LIST_VERSION == 1
        assert code_list.entries
        for entry in code_list.entries:
            assert "ICD-10-CM" in entry.source and entry.label


def test_default_lists_are_the_documented_codes() -> None:
    assert {i.value: cl.codes_text for i, cl in DEFAULT_CODE_LISTS.items()} == {
        "depression": "F32-F33",
        "ptsd": "F43.1",
        "anxiety": "F40-F41",
        "chronic_pain": "G89.0, G89.2, G89.3, G89.4, M79.7, G90.5",
    }


@pytest.mark.parametrize(
    ("indication", "qualifying", "not_qualifying"),
    [
        ("depression", ["F32.2", "F33.1", "F33.41"], ["F34.1", "F31.81", "F41.1", "F43.12"]),
        ("ptsd", ["F43.10", "F43.11", "F43.12"], ["F33.2", "F41.1", "F43.21", "F43.0"]),
        ("anxiety", ["F41.1", "F41.0", "F41.9", "F40.10"], ["F33.2", "F43.12", "F42.2"]),
        (
            "chronic_pain",
            ["G89.21", "G89.22", "G89.28", "G89.29", "G89.4", "G89.0", "G89.3", "M79.7", "G90.50"],
            # G89.1x is acute pain; G50.0 and G43.909 are outside the default list.
            ["G89.11", "G89.18", "G50.0", "G43.909", "M79.6", "F33.2"],
        ),
    ],
)
def test_default_lists_qualify_the_indications_codes_and_no_other(
    indication: str, qualifying: list[str], not_qualifying: list[str]
) -> None:
    code_list = DEFAULT_CODE_LISTS[Indication(indication)]
    for code in qualifying:
        assert code_list.entry_for(code) is not None, code
    for code in not_qualifying:
        assert code_list.entry_for(code) is None, code


def test_the_first_qualifying_diagnosis_in_the_given_order_is_reported() -> None:
    code_list = DEFAULT_CODE_LISTS[Indication.DEPRESSION]
    found = code_list.qualifying(
        [DiagnosisCode("F41.1"), DiagnosisCode("F32.1", "MDD single"), DiagnosisCode("F33.2")]
    )
    assert found is not None
    assert found[0] == DiagnosisCode("F32.1", "MDD single")
    assert found[1].code == "F32-F33"
    assert code_list.qualifying([DiagnosisCode("F41.1")]) is None


def test_a_clinic_list_is_built_validated_and_written_back_canonically() -> None:
    code_list = build_code_list(
        "chronic_pain",
        version=3,
        entries=[
            {"code": "g50.0", "label": "Trigeminal neuralgia", "source": "ICD-10-CM FY2026"},
            {"code": "G89.2", "source": "ICD-10-CM FY2026"},
        ],
    )
    assert code_list.version == 3
    assert code_list.as_json() == [
        {"code": "G50.0", "label": "Trigeminal neuralgia", "source": "ICD-10-CM FY2026"},
        {"code": "G89.2", "label": "", "source": "ICD-10-CM FY2026"},
    ]
    rebuilt = build_code_list("chronic_pain", version=3, entries=code_list.as_json())
    assert rebuilt == code_list


def test_every_problem_of_a_list_is_named_with_its_entry_number() -> None:
    with pytest.raises(ValueError) as caught:
        build_code_list(
            "ptsd",
            version=2,
            entries=[
                {"code": "F43.1", "source": "ICD-10-CM"},
                {"code": "F43.1X", "source": ""},
                {"code": "PTSD", "source": "ICD-10-CM"},
                {"code": "F43.1", "source": "again"},
                {"source": "ICD-10-CM"},
                {"code": "F43.12", "source": "x", "weight": 2},
                "F43.10",
            ],
        )
    message = str(caught.value)
    for expected in (
        "entry 2: 'F43.1X': give the source",
        "entry 3: 'PTSD' is not an ICD-10-CM code",
        "entry 5: give the code",
        "entry 6: unknown key(s) weight",
        "entry 7: expected an object",
        "F43.1 is listed twice",
    ):
        assert expected in message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"indication": "ocd"}, "unknown indication 'ocd'"),
        ({"version": 0}, "version must be a whole number >= 1"),
        ({"version": True}, "version must be a whole number >= 1"),
        ({"entries": []}, "at least one entry"),
        ({"entries": "F43.1"}, "must be a list"),
        ({"entries": 5}, "must be a list"),
        (
            {"entries": [{"code": "F43.1", "source": "x"}] * (MAX_CODE_LIST_ENTRIES + 1)},
            f"at most {MAX_CODE_LIST_ENTRIES} entries",
        ),
    ],
)
def test_a_list_with_a_bad_indication_version_or_shape_is_refused(
    kwargs: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "indication": "ptsd",
        "version": 2,
        "entries": [{"code": "F43.1", "source": "ICD-10-CM"}],
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        build_code_list(**arguments)  # type: ignore[arg-type]


# --- properties ----------------------------------------------------------------------------------

category = st.builds(
    lambda letter, digit, third: letter + digit + third,
    st.sampled_from(string.ascii_uppercase),
    st.sampled_from(string.digits),
    st.sampled_from(ALNUM),
)
suffix = st.text(alphabet=ALNUM, min_size=0, max_size=4)


def _dotted(compact: str) -> str:
    return compact if len(compact) == 3 else f"{compact[:3]}.{compact[3:]}"


@given(category, suffix, suffix)
def test_a_code_under_a_listed_prefix_always_qualifies(head: str, tail: str, more: str) -> None:
    prefix = (head + tail)[:7]
    code = (prefix + more)[:7]
    entry = CodeListEntry.parse(_dotted(prefix), source="test")
    assert entry.covers(_dotted(code))
    assert entry.covers(code.lower())  # dot optional, case-insensitive


@given(category, suffix, st.sampled_from(string.ascii_uppercase), category, suffix)
def test_a_code_of_another_chapter_letter_never_qualifies(
    head: str, tail: str, other_letter: str, code_head: str, code_tail: str
) -> None:
    entry = CodeListEntry.parse(_dotted((head + tail)[:7]), source="test")
    if other_letter == head[0]:
        other_letter = "Z" if head[0] != "Z" else "A"
    code = other_letter + code_head[1:] + code_tail
    assert not entry.covers(_dotted(code))
    for code_list in DEFAULT_CODE_LISTS.values():
        letters = {e.first[0] for e in code_list.entries}
        if code[0] not in letters:
            assert code_list.entry_for(code) is None


@given(category, suffix)
def test_normalising_is_idempotent_and_ignores_the_dot(head: str, tail: str) -> None:
    compact = head + tail
    once = normalize_icd10cm(compact.lower())
    assert normalize_icd10cm(once) == once == normalize_icd10cm(_dotted(compact))
    assert icd10cm_compact(once) == compact


@given(st.sampled_from(["F32", "F33"]), suffix)
def test_every_code_in_categories_f32_to_f33_qualifies_for_depression(head: str, tail: str) -> None:
    assert DEFAULT_CODE_LISTS[Indication.DEPRESSION].entry_for(_dotted(head + tail)) is not None


@given(category.filter(lambda c: c not in {"F32", "F33"}), suffix)
def test_no_code_outside_f32_to_f33_qualifies_for_depression(head: str, tail: str) -> None:
    assert DEFAULT_CODE_LISTS[Indication.DEPRESSION].entry_for(_dotted(head + tail)) is None
