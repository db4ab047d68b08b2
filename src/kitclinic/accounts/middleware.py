"""The second-factor step between the password and everything else (kitclinic.accounts.
second_factor): a session with a pending step reaches only that step's pages and log-out; a
page asks for the code (or the set-up), an ``/api/`` (or ``/fhir/``) call by session gets JSON 401; the step
left unfinished past its time limit ends the session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from kitclinic.accounts import second_factor
from kitclinic.lib.web.errors import machine_error

# Pages a session in the middle of the step may reach besides the step's own (URL names).
OPEN_URL_NAMES = ("logout", "login", "healthz", "favicon")
STEP_URL_NAMES = {second_factor.VERIFY: "second-factor-code", second_factor.ENROL: "second-factor"}


def second_factor_step_begin(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        second_factor.step_begin(request, user)


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = second_factor.pending_step(request)
        if step is None or not request.user.is_authenticated:
            return self.get_response(request)
        path = request.path
        if path in {reverse(name) for name in OPEN_URL_NAMES} or path.startswith(
            settings.STATIC_URL
        ):
            return self.get_response(request)
        if second_factor.step_expired(request):
            logout(request)
            refused = _api_refusal(request, "The log-in step expired; log in again.")
            if refused is not None:
                return refused
            messages.info(request, "The log-in took too long; log in again.")
            return redirect("login")
        step_url = reverse(STEP_URL_NAMES[step])
        if path == step_url:
            return self.get_response(request)
        refused = _api_refusal(
            request,
            "Second factor required: finish the log-in with the code from your "
            "authenticator app before using the API in this session.",
        )
        if refused is not None:
            return refused
        if request.method == "GET":
            return redirect(f"{step_url}?{urlencode({'next': request.get_full_path()})}")
        return redirect(step_url)


def _api_refusal(request: HttpRequest, detail: str) -> JsonResponse | None:
    """401 in the shape of the API (or of FHIR, under ``/fhir/``); None for a page."""
    response = machine_error(request, 401, detail)
    if response is not None:
        response["WWW-Authenticate"] = 'Session realm="api"'
    return response
