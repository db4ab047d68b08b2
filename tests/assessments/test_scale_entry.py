"""A rating scale entered item by item on a staff form (kitclinic.assessments.scale_entry): the
labels the licence allows, one error per wrong item naming it and its range, the paste line as a
shortcut (filling the items, refused when it disagrees with them or has the wrong length), and the
chart's record page answering 422 with nothing written."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from kitclinic.assessments.models import Assessment
from kitclinic.assessments.scale_entry import ScaleEntryForm, parse_answer_list
from kitclinic.instruments import get_instrument
from tests.support.rows import row_counts


class _Form(ScaleEntryForm):
    def __init__(self, data: dict[str, str] | None, instrument_id: str) -> None:
        super().__init__(data)
        self.add_scale_entry(get_instrument(instrument_id))


def _items(answers) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f"item_{n}": "" if a is None else str(a) for n, a in enumerate(answers, start=1)}


def _labels(instrument_id: str) -> list[str]:
    form = _Form(None, instrument_id)
    return [str(row.field.label) for row in form.scale.rows]


def test_items_show_the_wording_only_where_the_licence_ships_it():
    phq9 = _labels("phq9")
    assert phq9[0] == "1. Little interest or pleasure in doing things (0–3)"
    assert len(phq9) == 9  # item 10 (difficulty) is not scored and not asked here
    assert _labels("gad7")[0] == "1. Feeling nervous, anxious, or on edge (0–3)"
    # CADSS wording is author-owned: the number and the range only, and no hint
    cadss = _Form(None, "cadss").scale
    assert [str(r.field.label) for r in cadss.rows][2] == "Item 3 (0–4)"
    assert len(cadss.rows) == 23 and all(r.hint == "" for r in cadss.rows)
    assert cadss.answer_key == "0 = not at all · 4 = extremely"
    assert not cadss.wording_shipped
    # MADRS and PEG: numbered, with the library's short description as the hint
    madrs = _Form(None, "madrs").scale
    assert (str(madrs.rows[9].field.label), madrs.rows[9].hint) == (
        "Item 10 (0–6)",
        "suicidal thoughts",
    )
    assert madrs.answer_key == ""  # MADRS anchors are not shipped
    peg = _Form(None, "peg").scale
    assert [str(r.field.label) for r in peg.rows] == [
        "Item 1 (0–10)",
        "Item 2 (0–10)",
        "Item 3 (0–10)",
    ]
    assert peg.rows[0].hint == "P: average pain intensity, past week"
    phq9_entry = _Form(None, "phq9").scale
    assert phq9_entry.answer_key.startswith("0 = Not at all · 1 = Several days")
    assert phq9_entry.wording_shipped and all(r.hint == "" for r in phq9_entry.rows)


def test_item_inputs_take_digits_and_describe_themselves():
    html = str(_Form(None, "phq9")["item_1"])
    assert 'inputmode="numeric"' in html and 'autocomplete="off"' in html
    # PHQ-9: each item is described by the answer key above the items, and by its error
    phq9 = _Form(_items([1, 1, 7, 2, 1, 2, 2, 2, 0]), "phq9")
    assert not phq9.is_valid()
    rows = phq9.scale.rows
    assert 'aria-describedby="id_answers_key"' in rows[0].widget
    assert 'aria-describedby="id_answers_key id_item_3_error"' in rows[2].widget
    assert 'aria-invalid="true"' in rows[2].widget
    # PEG: by its short description (no answer words to explain)
    peg = _Form(None, "peg")
    assert 'aria-describedby="id_item_1_helptext"' in peg.scale.rows[0].widget


@pytest.mark.parametrize(
    ("instrument_id", "answers"),
    [
        ("phq9", [1, 1, 2, 2, 1, 2, 2, 2, 0]),
        ("gad7", [0, 1, 2, 3, 0, 1, 2]),
        ("peg", [7, 6, 5]),
        ("cadss", [1, 0, 2] + [0] * 19 + [4]),
        ("madrs", [3, 3, 2, 4, 2, 3, 2, 3, 2, 6]),
    ],
)
def test_answers_typed_item_by_item_or_pasted_are_the_same(instrument_id, answers):
    typed = _Form(_items(answers), instrument_id)
    assert typed.is_valid(), typed.errors
    pasted = _Form({"answers": ", ".join(map(str, answers))}, instrument_id)
    assert pasted.is_valid(), pasted.errors
    assert typed.scale_answers() == pasted.scale_answers() == answers
    # the pasted answers are put into the items, as the form would show them again
    assert [pasted[f"item_{n}"].value() for n in range(1, len(answers) + 1)] == [
        str(a) for a in answers
    ]


@pytest.mark.parametrize(
    ("instrument_id", "answers", "errors"),
    [
        ("phq9", [1, 1, 7, 2, 1, 2, 2, 2, 0], {"item_3": "Item 3: 7 is outside the allowed 0–3."}),
        (
            "cadss",
            [0] * 4 + [5] + [0] * 17 + [-1],
            {
                "item_5": "Item 5: 5 is outside the allowed 0–4.",
                "item_23": "Item 23: -1 is outside the allowed 0–4.",
            },
        ),
        ("gad7", [0, 1, None, 3, 0, 1, 2], {"item_3": "Item 3: no answer; allowed 0–3."}),
        ("peg", [11, 6, 5], {"item_1": "Item 1: 11 is outside the allowed 0–10."}),
    ],
)
def test_every_wrong_item_gets_its_own_error_naming_it_and_the_range(
    instrument_id, answers, errors
):
    form = _Form(_items(answers), instrument_id)
    assert not form.is_valid()
    assert {name: " ".join(messages) for name, messages in form.errors.items()} == errors


def test_an_item_that_is_not_a_whole_number_is_named():
    form = _Form(_items([1, "x", 2.5, 0, 0, 0, 0, 0, 0]), "phq9")
    assert not form.is_valid()
    assert form.errors["item_2"] == ["Item 2: “x” is not a whole number; allowed 0–3."]
    assert form.errors["item_3"] == ["Item 3: “2.5” is not a whole number; allowed 0–3."]


def test_qids_items_the_library_lets_stay_empty_may_stay_empty():
    # one of items 6-9 (appetite/weight) is enough; the library decides, not the form
    answers = [1, 0, 0, 0, 2, 1, None, None, None, 1, 1, 0, 2, 1, 0, None]
    form = _Form(_items(answers), "qids-sr16")
    assert form.is_valid(), form.errors
    assert form.scale_answers() == answers
    # with all of 15-16 empty, the psychomotor domain has no answer: both are named
    form = _Form(_items(answers[:14] + [None, None]), "qids-sr16")
    assert not form.is_valid()
    assert set(form.errors) == {"item_15", "item_16"}


def test_nothing_entered_asks_for_the_answers_once():
    form = _Form({}, "cadss")
    assert not form.is_valid()
    assert form.errors == {
        "answers": [
            "CADSS: enter the 23 answers, one per item (0–4 each), or paste them as one list."
        ]
    }


def test_a_pasted_list_of_the_wrong_length_or_with_a_word_is_refused():
    short = _Form({"answers": "1,2,3"}, "phq9")
    assert not short.is_valid()
    assert short.errors["answers"] == [
        "3 answers pasted; PHQ-9 has 9 items (item 1 first, separated by commas)."
    ]
    word = _Form({"answers": "1,2,three,0,0,0,0,0,0"}, "phq9")
    assert not word.is_valid()
    assert "“three” is not a whole number" in word.errors["answers"][0]


def test_a_pasted_list_that_disagrees_with_the_items_is_refused_naming_them():
    data = {**_items([1, 1, 2, None, None, None, None, None, None]), "answers": "1,0,2,0,0,0,0,0,3"}
    form = _Form(data, "phq9")
    assert not form.is_valid()
    assert form.errors == {
        "answers": [
            "The pasted answers and the items typed in disagree at item 2 (typed 1, pasted 0): "
            "correct the items or clear the pasted line."
        ]
    }
    # agreeing where both are given, the pasted list fills the rest
    data["answers"] = "1,1,2,0,0,0,0,0,3"
    form = _Form(data, "phq9")
    assert form.is_valid(), form.errors
    assert form.scale_answers() == [1, 1, 2, 0, 0, 0, 0, 0, 3]


def test_a_pasted_value_out_of_range_is_shown_on_its_item():
    form = _Form({"answers": "0,0,0,0,0,0,0,0,4"}, "phq9")
    assert not form.is_valid()
    assert form.errors == {"item_9": ["Item 9: 4 is outside the allowed 0–3."]}
    assert form["item_9"].value() == "4" and form["answers"].value() == ""


def test_parse_answer_list_keeps_empty_places():
    assert parse_answer_list(" 1, 2 ;0,,3 ") == [1, 2, 0, None, 3]
    assert parse_answer_list("") == []


@pytest.mark.django_db
def test_the_chart_record_page_refuses_a_wrong_item_with_422_and_writes_nothing(login, patient):
    nurse = login("nurse")
    url = reverse("assessment-record", args=[patient.pk])
    page = nurse.get(url + "?instrument=cadss").content.decode()
    assert 'for="id_item_23"' in page and "Item 23 (0–4)" in page and "data-scale-paste" in page
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    base = {"instrument": "cadss", "mode": "in_clinic", "administered_at": when}
    before = row_counts()
    response = nurse.post(url, {**base, **_items([0] * 22 + [9])})
    assert response.status_code == 422
    assert "Item 23: 9 is outside the allowed 0–4." in response.content.decode()
    assert row_counts() == before
    both = nurse.post(url, {**base, **_items([1] + [0] * 22), "answers": ",".join(["0"] * 23)})
    assert (
        both.status_code == 422
        and "disagree at item 1 (typed 1, pasted 0)" in both.content.decode()
    )
    assert row_counts() == before
    # the paste line alone records the scale
    response = nurse.post(url, {**base, "answers": ",".join(["1"] * 23)})
    assert response.status_code == 302
    assert Assessment.objects.get(patient=patient, instrument="cadss").answers == [1] * 23
