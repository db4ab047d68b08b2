"""Response headers every dynamic response carries.

``Cache-Control: no-store``: a chart page, a patient's JSON, a report PDF or a CSV export must not
stay in a browser's or a proxy's cache (a shared clinic computer, the back button after sign-out).
Every response that passes through Django gets it unless a view set its own cache policy; the
static files (served by WhiteNoise before this middleware) keep their long-lived caching.

``Content-Security-Policy``: scripts only from this site's own files (no inline script, no
eval: pages declare behaviour with data attributes read by ``pages/site.js``), nothing framed or
framing, forms posting only here. Styles may be inline (Plotly and htmx set element styles)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class ResponseHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
