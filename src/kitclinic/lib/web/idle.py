"""Idle sign-out that a page left open cannot defeat.

The session cookie's age is renewed on every request (``SESSION_SAVE_EVERY_REQUEST``), and an open
page polls in the background (the alert count every 60 s), so the cookie alone would never expire
while a screen shows patient data. This middleware keeps the time of the last request a *person*
made; a background request (header ``X-Kitclinic-Background: 1``, set by the polling elements)
does not count. Past the idle limit the session is ended (audited as a logout) and:

- a background HTMX poll answers with ``HX-Redirect`` to the login page, so the open screen
  leaves the patient's data;
- an API call with the session cookie answers 401 in JSON (an OperationOutcome under ``/fhir/``);
- a page request is redirected to the login page with the address to return to.

Before that, the open page warns (``idle_context`` gives it the limit): a banner counts down the
last ``warning_lead_seconds`` and offers "Stay signed in", a person's request to ``keepalive``.

API token requests carry no session and are not affected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from kitclinic.lib.web.errors import machine_error

LAST_ACTIVITY_KEY = "kitclinic_last_activity"
BACKGROUND_HEADER = "X-Kitclinic-Background"


def now_seconds() -> float:
    return time.time()


def idle_limit_seconds() -> int:
    return int(settings.SESSION_COOKIE_AGE)


def warning_lead_seconds(limit_seconds: int) -> int:
    """How long before the sign-out an open page warns: two minutes, or half the idle limit when
    that is shorter (a limit of a few minutes would otherwise warn from the start)."""
    return min(120, limit_seconds // 2)


def idle_context(request: HttpRequest) -> dict[str, int]:
    """Template context (a context processor): the idle limit and the warning lead, which the
    page's script uses to warn before signing out (pages/static/pages/site.js)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    limit = idle_limit_seconds()
    return {"idle_limit_seconds": limit, "idle_warning_seconds": warning_lead_seconds(limit)}


def is_background(request: HttpRequest) -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1"


class IdleLogoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return self.get_response(request)
        now = now_seconds()
        last = request.session.get(LAST_ACTIVITY_KEY)
        if isinstance(last, (int, float)) and now - last > idle_limit_seconds():
            return self._signed_out(request)
        if not is_background(request) or last is None:
            request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _signed_out(self, request: HttpRequest) -> HttpResponse:
        minutes = idle_limit_seconds() // 60
        logout(request)
        login = reverse(settings.LOGIN_URL)
        refused = machine_error(
            request, 401, f"Signed out after {minutes} minutes without activity; sign in again."
        )
        if refused is not None:
            return refused
        back = request.get_full_path() if not is_background(request) else "/"
        target = f"{login}?{urlencode({'next': back, 'idle': minutes})}"
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
