"""The shared list helper (kitclinic.lib.listing): page bounds, the sort whitelist, stable order,
and bad parameters answered with a note and a fallback, never an error."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from kitclinic.lib.listing import MAX_PAGE_SIZE, Column, ListSpec, api_sort, list_page


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    when: int | None


SPEC = ListSpec(
    columns=(
        Column("name", "Name", ("name",)),
        Column("when", "When", ("when",), newest_first=True),
        Column("note", "Note"),
    ),
    default_sort="name",
    page_size=10,
)
# 25 rows; names repeat every 5 so the order among equal names is the id's
ROWS = [Row(id=n, name=f"n{n % 5}", when=n % 7 if n % 9 else None) for n in range(1, 26)]


def _page(query: str = "", rows=ROWS, spec=SPEC):  # type: ignore[no-untyped-def]
    return list_page(QueryDict(query), rows, spec)


def _query(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def test_the_first_page_holds_page_size_rows_and_the_total():
    page = _page()
    assert (len(page.rows), page.total, page.number, page.num_pages) == (10, 25, 1, 3)
    assert (page.first_index, page.last_index) == (1, 10)
    assert page.notes == []


def test_the_pages_together_hold_every_row_once():
    seen = [r.id for n in (1, 2, 3) for r in _page(f"page={n}").rows]
    assert sorted(seen) == list(range(1, 26)) and len(seen) == 25
    assert _page("page=3").last_index == 25


def test_equal_values_are_ordered_by_id_both_ways():
    rows = [r for n in (1, 2, 3) for r in _page(f"page={n}").rows]
    assert [(r.name, r.id) for r in rows] == sorted((r.name, r.id) for r in ROWS)
    backwards = [r for n in (1, 2, 3) for r in _page(f"sort=-name&page={n}").rows]
    assert [(r.name, r.id) for r in backwards] == sorted(
        ((r.name, r.id) for r in ROWS), reverse=True
    )


def test_missing_values_sort_last_ascending():
    rows = [r for n in (1, 2, 3) for r in _page(f"sort=when&page={n}").rows]
    whens = [r.when for r in rows]
    assert whens[-2:] == [None, None] and whens[:-2] == sorted(w for w in whens if w is not None)


@pytest.mark.parametrize(
    ("query", "number", "note"),
    [
        ("page=abc", 1, "“abc” is not a page number"),
        ("page=0", 1, "“0” is not a page number"),
        ("page=-2", 1, "“-2” is not a page number"),
        ("page=1e3", 1, "“1e3” is not a page number"),
        ("page=99", 3, "There is no page 99; the list has 3 pages"),
        ("page=99999999999999999999", 1, "is not a page number"),
        ("page=%EF%BC%92", 1, "is not a page number"),  # a full-width digit two
    ],
)
def test_a_bad_page_falls_back_with_a_note(query, number, note):
    page = _page(query)
    assert page.number == number
    assert len(page.notes) == 1 and note in page.notes[0]


def test_a_sort_outside_the_whitelist_falls_back_to_the_default_with_a_note():
    page = _page("sort=password")
    assert page.sort == "name"
    assert "cannot be sorted by “password”" in page.notes[0]
    assert "name, when" in page.notes[0]


def test_a_column_without_an_order_cannot_be_sorted():
    page = _page("sort=note")
    assert page.sort == "name" and page.notes
    assert next(h for h in page.headers if h.label == "Note").href == ""


@pytest.mark.parametrize("size", ["0", str(MAX_PAGE_SIZE + 1), "ten", "-5"])
def test_a_page_size_out_of_bounds_keeps_the_lists_own(size):
    page = _page(f"size={size}")
    assert page.page_size == 10 and len(page.rows) == 10
    assert f"1 to {MAX_PAGE_SIZE}" in page.notes[0]


def test_a_page_size_in_bounds_is_used_and_kept_in_the_links():
    page = _page("size=4&page=2")
    by_name = [r.id for r in sorted(ROWS, key=lambda r: (r.name, r.id))]
    assert (page.page_size, [r.id for r in page.rows]) == (4, by_name[4:8])
    assert page.num_pages == 7
    assert all(_query(link.href)["size"] == ["4"] for link in page.links)


def test_headers_say_which_column_sorts_and_which_way():
    page = _page("sort=-when")
    name, when, note = page.headers
    assert (name.aria_sort, when.aria_sort, note.aria_sort) == ("", "descending", "")
    # clicking the current column reverses it; another column starts in its natural direction
    assert _query(when.href)["sort"] == ["when"]
    assert _query(name.href)["sort"] == ["name"]
    assert _query(_page().headers[1].href)["sort"] == ["-when"]  # times: newest first


def test_links_keep_the_other_parameters_and_drop_the_page_on_a_new_sort():
    page = _page("q=smi&kind=receive&kind=waste&page=2")
    name = page.headers[0]
    assert _query(name.href) == {"q": ["smi"], "kind": ["receive", "waste"], "sort": ["-name"]}
    nxt = next(link for link in page.links if link.rel == "next")
    assert _query(nxt.href) == {
        "q": ["smi"],
        "kind": ["receive", "waste"],
        "page": ["3"],
        "sort": ["name"],
    }


def test_the_links_offered_depend_on_the_page():
    assert [link.label for link in _page().links] == ["Next", "Last"]
    assert [link.label for link in _page("page=2").links] == ["First", "Previous", "Next", "Last"]
    assert [link.label for link in _page("page=3").links] == ["First", "Previous"]


def test_an_empty_list_is_one_page_of_nothing():
    page = _page("page=4", rows=[])
    assert (page.rows, page.total, page.number, page.num_pages) == ([], 0, 1, 1)
    assert (page.first_index, page.last_index, page.links) == (0, 0, [])


def test_a_prefix_keeps_two_lists_on_one_page_apart():
    page = list_page(QueryDict("page=2&acked_page=3"), ROWS, SPEC, prefix="acked_")
    assert page.number == 3
    assert _query(page.links[0].href)["page"] == ["2"]


def test_a_spec_must_sort_by_default_on_a_sortable_column_with_a_bounded_size():
    with pytest.raises(ValueError, match="default sort"):
        ListSpec(columns=(Column("note", "Note"),), default_sort="note")
    with pytest.raises(ValueError, match="page size"):
        ListSpec(columns=SPEC.columns, default_sort="name", page_size=MAX_PAGE_SIZE + 1)


def test_ordering_ends_with_the_tie_break_in_the_same_direction():
    assert SPEC.ordering("-when") == ["-when", "-id"]
    assert SPEC.ordering("name") == ["name", "id"]


def test_the_api_sort_is_the_default_when_absent_and_refused_naming_the_keys_when_bad():
    assert api_sort(SPEC, None) == "name" and api_sort(SPEC, "-when") == "-when"
    with pytest.raises(ValidationError) as caught:
        api_sort(SPEC, "note")
    assert "name, when" in caught.value.message_dict["sort"][0]
