"""A file answered to the browser (a report's CSV or PDF, a receipt): the content, its type, and
whether it opens in the browser (inline) or is saved (attachment); never cached (headers.py)."""

from __future__ import annotations

from django.http import HttpResponse


def file_response(
    content: bytes | str, filename: str, content_type: str, *, inline: bool = False
) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
