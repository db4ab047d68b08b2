"""Response headers every dynamic response carries.

``Cache-Control: no-store``: a chart page, a patient's JSON, a report PDF or a CSV export must not
stay in a browser's or a proxy's cache (a shared clinic computer, the back button after sign-out).
Every response that passes through Django gets it unless a view set its own cache policy; the
static files (served by WhiteNoise before this middleware) keep their long-lived caching."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
