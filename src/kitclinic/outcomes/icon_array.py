"""An icon array: 100 person figures, the first ``filled`` drawn solid, as inline SVG that the
page shows and WeasyPrint draws into the PDF alike (no script, no external file, no ``<use>``).

Screen readers read it as one image (``role="img"``) named by its ``aria-label`` and ``<title>``,
e.g. "About 54 in 100 people responded after 4 to 8 infusions"; the figures themselves are not
announced one by one.
"""

from __future__ import annotations

from html import escape

COLUMNS = 10
ROWS = 10
CELL_W = 24  # one figure's cell, in SVG units
CELL_H = 36
FILLED = "#0a5ca8"  # 7.3:1 on white
EMPTY = "#c9d1d9"
# A person: a head and rounded shoulders, drawn in a 24 x 36 cell.
HEAD = (12.0, 7.0, 5.5)  # cx, cy, r
BODY = "M4 33V21a8 8 0 0 1 8-8a8 8 0 0 1 8 8v12z"


def icon_array_svg(filled: int, label: str, *, total: int = COLUMNS * ROWS) -> str:
    """``total`` figures in rows of ten, the first ``filled`` solid, named ``label``. Raises
    ValueError when ``filled`` is outside 0..``total``."""
    if not 0 <= filled <= total:
        raise ValueError(f"filled must be between 0 and {total}, not {filled}")
    rows = -(-total // COLUMNS)
    width, height = COLUMNS * CELL_W, rows * CELL_H
    name = escape(label, quote=True)
    cx, cy, r = HEAD
    shapes = []
    for i in range(total):
        x, y = (i % COLUMNS) * CELL_W, (i // COLUMNS) * CELL_H
        colour = FILLED if i < filled else EMPTY
        shapes.append(
            f'<g transform="translate({x} {y})" fill="{colour}" data-filled="{int(i < filled)}">'
            f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}"/><path d="{BODY}"/></g>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="icon-array" role="img" '
        f'aria-label="{name}" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{name}</title>{''.join(shapes)}</svg>"
    )
