"""Lists that scale: one page of rows with the total, sorted by a column the list allows.

Every list page (patients, audit trail, safety alerts, controlled-substance entries, outcome
tables) reads ``?page=``, ``?sort=`` and ``?size=`` through ``list_page``. What it accepts:

- ``sort``: a column key of the list, ``-key`` for the reverse; anything else falls back to the
  list's default order with a note saying so.
- ``page``: a whole number from 1; a word, zero or a negative falls back to page 1, a page past
  the end to the last page, each with a note.
- ``size``: rows per page, 1 to ``MAX_PAGE_SIZE``; otherwise the list's own size, with a note.

The order always ends with the row id in the same direction, so two rows with equal values keep
their places from one page to the next. A database list costs three queries whatever the page
(the count, the page's ids, its rows), and the columns a list sorts on have indexes that end with
the id (``docs/benchmarks.md``, "Lists at 100,000 patients"). Header and pager links carry the other query parameters
(filters, search) unchanged and work with and without HTMX.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

Row = TypeVar("Row")


@dataclass(frozen=True)
class Column:
    """A column of a list. ``order`` names the fields it sorts by (ORM lookups for a queryset,
    attribute names for rows in memory), ascending; a column without ``order`` does not sort.
    ``newest_first`` columns (times) sort descending at the first click."""

    key: str
    label: str
    order: tuple[str, ...] = ()
    newest_first: bool = False
    css: str = ""

    @property
    def sortable(self) -> bool:
        return bool(self.order)


@dataclass(frozen=True)
class ListSpec:
    """What a list allows: its columns, its default order (``"name"`` or ``"-when"``), its page
    size and the field that breaks ties (unique, usually the id)."""

    columns: tuple[Column, ...]
    default_sort: str
    page_size: int = DEFAULT_PAGE_SIZE
    tie_break: str = "id"

    def __post_init__(self) -> None:
        if self._column(self.default_sort.lstrip("-")) is None:
            raise ValueError(f"default sort {self.default_sort!r} is not a sortable column")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page size {self.page_size} is outside 1–{MAX_PAGE_SIZE}")

    def _column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key and c.sortable), None)

    @property
    def sort_keys(self) -> list[str]:
        return [c.key for c in self.columns if c.sortable]

    def parse_sort(self, value: str) -> tuple[Column, bool]:
        """``(column, descending)`` for a ``sort`` value; ValueError names what is allowed."""
        key = value.strip()
        descending = key.startswith("-")
        column = self._column(key.removeprefix("-"))
        if column is None:
            raise ValueError(
                f"The list cannot be sorted by “{value}”; sort by one of "
                f"{', '.join(self.sort_keys)} (a leading “-” reverses the order)."
            )
        return column, descending

    def ordering(self, sort: str) -> list[str]:
        """ORM ``order_by`` arguments for a valid ``sort`` value, ending with the tie-break."""
        column, descending = self.parse_sort(sort)
        sign = "-" if descending else ""
        return [f"{sign}{name}" for name in (*column.order, self.tie_break)]


def api_sort(spec: ListSpec, value: str | None) -> str:
    """The ``sort`` parameter of an API list: the default when absent, else a valid value; an
    invalid one is a ValidationError on ``sort`` (the API answers 400 naming the keys)."""
    if value is None or value == "":
        return spec.default_sort
    try:
        spec.parse_sort(value)
    except ValueError as exc:
        raise ValidationError({"sort": [str(exc)]}) from exc
    return value.strip()


@dataclass(frozen=True)
class Header:
    """A column heading: its label, and for a sortable column the link that sorts by it and the
    ``aria-sort`` state (``ascending``/``descending`` on the current sort column, else none)."""

    label: str
    css: str = ""
    href: str = ""
    aria_sort: str = ""


@dataclass(frozen=True)
class PageLink:
    label: str
    href: str
    rel: str = ""


@dataclass
class ListPage(Generic[Row]):
    rows: list[Row]
    number: int
    num_pages: int
    total: int
    page_size: int
    sort: str
    headers: list[Header]
    notes: list[str] = field(default_factory=list)
    links: list[PageLink] = field(default_factory=list)

    @property
    def first_index(self) -> int:
        """1-based position of the page's first row (0 when the list is empty)."""
        return (self.number - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1 if self.rows else 0

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1


def _whole(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The query parameters as pairs (a QueryDict's repeated keys kept)."""
    getlist = getattr(params, "getlist", None)
    pairs: list[tuple[str, str]] = []
    for key in params:
        values = getlist(key) if getlist is not None else [params[key]]
        pairs.extend((key, str(v)) for v in values)
    return pairs


def _href(pairs: list[tuple[str, str]], **changes: str | int | None) -> str:
    kept = [(k, v) for k, v in pairs if k not in changes]
    kept.extend((k, str(v)) for k, v in changes.items() if v not in (None, ""))
    return "?" + urlencode(kept)


def _memory_key(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    def key(row: Any) -> tuple[Any, ...]:
        parts: list[Any] = []
        for name in names:
            value = getattr(row, name)
            parts.extend((value is None, value if value is not None else 0))
        return tuple(parts)

    return key


def list_page(
    params: Mapping[str, Any],
    rows: QuerySet[Any] | Sequence[Row],
    spec: ListSpec,
    *,
    prefix: str = "",
) -> ListPage[Any]:
    """One page of ``rows`` as ``params`` (a request's GET) ask, with the total and the headers.

    ``rows`` is a queryset (sorted and sliced by the database: the count, the page's ids, its
    rows) or a sequence already in memory (sorted here; the tie-break is the row's place in it
    when the rows have no ``tie_break`` attribute). ``prefix`` names the parameters (``prefix + "page"``)
    when two lists share a page."""
    p_page, p_sort, p_size = f"{prefix}page", f"{prefix}sort", f"{prefix}size"
    notes: list[str] = []

    sort = str(params.get(p_sort, "") or spec.default_sort)
    try:
        column, descending = spec.parse_sort(sort)
    except ValueError as exc:
        notes.append(f"{exc} Sorted by the default order instead.")
        sort = spec.default_sort
        column, descending = spec.parse_sort(sort)

    size = spec.page_size
    raw_size = str(params.get(p_size, "") or "")
    if raw_size:
        asked = _whole(raw_size)
        if asked is None or not 1 <= asked <= MAX_PAGE_SIZE:
            notes.append(
                f"“{raw_size}” rows per page is not allowed (1 to {MAX_PAGE_SIZE}); showing {size}."
            )
        else:
            size = asked

    ordered: QuerySet[Any] | list[Any]
    if isinstance(rows, QuerySet):
        ordered = rows.order_by(*spec.ordering(sort))
        total = ordered.count()
    else:
        has_tie = bool(rows) and hasattr(rows[0], spec.tie_break)
        names = (*column.order, spec.tie_break) if has_tie else column.order
        # Python's sort is stable: rows equal on the column keep their given order.
        ordered = sorted(rows, key=_memory_key(names), reverse=descending)
        total = len(ordered)
    num_pages = max(1, -(-total // size))

    raw_page = str(params.get(p_page, "") or "")
    number = 1
    if raw_page:
        asked = _whole(raw_page)
        if asked is None or asked < 1:
            notes.append(f"“{raw_page}” is not a page number; showing page 1.")
        elif asked > num_pages:
            number = num_pages
            notes.append(
                f"There is no page {asked}; the list has {num_pages} "
                f"page{'s' if num_pages != 1 else ''}. Showing the last."
            )
        else:
            number = asked
    start = (number - 1) * size
    page_rows: list[Any] = []
    if total and isinstance(ordered, QuerySet):
        # A deep page: find its ids first, from the sort order's index alone (an index-only
        # scan skips the rows before the page without reading them or joining their related
        # rows), then read those rows in full.
        ids = list(ordered.values_list("pk", flat=True)[start : start + size])
        page_rows = list(ordered.filter(pk__in=ids))
    elif total:
        page_rows = list(ordered[start : start + size])

    pairs = _params(params)
    size_param = size if size != spec.page_size else None
    headers = []
    for c in spec.columns:
        if not c.sortable:
            headers.append(Header(label=c.label, css=c.css))
            continue
        if c.key == column.key:  # the current sort: its link reverses it
            next_sort = c.key if descending else f"-{c.key}"
            state = "descending" if descending else "ascending"
        else:
            next_sort = f"-{c.key}" if c.newest_first else c.key
            state = ""
        headers.append(
            Header(
                label=c.label,
                css=c.css,
                href=_href(pairs, **{p_sort: next_sort, p_page: None, p_size: size_param}),
                aria_sort=state,
            )
        )

    def link(label: str, page: int, rel: str = "") -> PageLink:
        changes: dict[str, str | int | None] = {p_page: page, p_sort: sort, p_size: size_param}
        return PageLink(label, _href(pairs, **changes), rel)

    links = []
    if number > 1:
        links += [link("First", 1), link("Previous", number - 1, "prev")]
    if number < num_pages:
        links += [link("Next", number + 1, "next"), link("Last", num_pages)]
    return ListPage(
        rows=page_rows,
        number=number,
        num_pages=num_pages,
        total=total,
        page_size=size,
        sort=sort,
        headers=headers,
        notes=notes,
        links=links,
    )
