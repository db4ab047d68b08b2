"""Reading a chart back from a page, as the page's script reads it."""

from __future__ import annotations

import json
import re
from typing import Any


def page_figure(html: str, script_id: str) -> dict[str, Any]:
    """The figure of the page's ``json_script`` block ``script_id`` (what plotly.js draws)."""
    found = re.search(
        rf'<script id="{re.escape(script_id)}" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, f"no chart {script_id!r} on the page"
    figure: dict[str, Any] = json.loads(found.group(1))
    return figure
