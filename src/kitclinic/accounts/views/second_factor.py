"""The second-factor pages: the code step after the password, the user's own second-factor page
(set up, replace, new recovery codes) and a clinic admin's reset for a member of staff who lost
their device. The rules live in ``kitclinic.accounts.second_factor``."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from kitclinic.accounts import second_factor as sf
from kitclinic.accounts.actor import Actor, actor_from_request
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.forms import (
    SecondFactorCodeForm,
    SecondFactorConfirmForm,
    SecondFactorResetForm,
)
from kitclinic.accounts.models import User
from kitclinic.lib.forms import add_service_errors


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return "/"


@login_required
def second_factor_code(request: HttpRequest) -> HttpResponse:
    """After the password: the 6-digit code from the authenticator app, or a recovery code."""
    if sf.pending_step(request) != sf.VERIFY:
        return redirect(_next_url(request))
    user = cast(User, request.user)  # login_required lets only a logged-in user through
    form = SecondFactorCodeForm(request.POST or None)
    wait = 0
    if request.method == "POST" and form.is_valid():
        result = sf.code_verify(request, user, form.cleaned_data["code"])
        if result.accepted:
            if result.recovery_code_used:
                messages.warning(
                    request,
                    f"You logged in with a recovery code ({result.recovery_codes_left} left). "
                    "If you no longer have your authenticator app, set up a new one now.",
                )
                return redirect("second-factor")
            return redirect(_next_url(request))
        wait = result.wait_seconds
        form.add_error(
            "code",
            f"Too many wrong codes: wait {wait} seconds, then try again."
            if wait
            else "That code is not right. Enter the 6 digits your app shows now, or a recovery "
            "code.",
        )
    return render(
        request,
        "accounts/second_factor_code.html",
        {"form": form, "next": _next_url(request), "wait": wait},
    )


def _enrolment_page(
    request: HttpRequest, user: User, form: SecondFactorConfirmForm, *, replacing: bool
) -> HttpResponse:
    device = sf.enrolment_device(request, user)
    return render(
        request,
        "accounts/second_factor_enrol.html",
        {
            "form": form,
            "qr_svg": sf.qr_svg(device),
            "secret": sf.secret_text(device),
            "replacing": replacing,
            "required": sf.pending_step(request) == sf.ENROL,
        },
    )


def _codes_page(request: HttpRequest, codes: list[str], *, first: bool) -> HttpResponse:
    return render(request, "accounts/second_factor_codes.html", {"codes": codes, "first": first})


@login_required
def second_factor_page(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator (required at log-in for some roles), replace it, or renew the
    recovery codes. Only a session that has passed its log-in step may replace or renew."""
    user = cast(User, request.user)  # login_required lets only a logged-in user through
    step = sf.pending_step(request)
    if step == sf.VERIFY:
        return redirect("second-factor-code")
    enrolled = sf.has_authenticator(user)
    operation = request.POST.get("op", "") if request.method == "POST" else ""
    if operation == "confirm":
        form = SecondFactorConfirmForm(request.POST)
        if form.is_valid():
            try:
                codes = sf.enrolment_confirm(request, user, form.cleaned_data["code"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _codes_page(request, codes, first=True)
        return _enrolment_page(request, user, form, replacing=enrolled)
    if operation == "renew" and enrolled:
        codes = sf.recovery_codes_renew(request, actor_from_request(request))
        return _codes_page(request, codes, first=False)
    if step == sf.ENROL or not enrolled or request.GET.get("replace"):
        return _enrolment_page(request, user, SecondFactorConfirmForm(), replacing=enrolled)
    left = sf.recovery_codes_left(user)
    return render(
        request,
        "accounts/second_factor.html",
        {
            "codes_left": left,
            "codes_total": sf.RECOVERY_CODE_COUNT,
            "codes_running_low": sf.recovery_codes_running_low(left),
            "required": sf.required_for(user),
        },
    )


@clinic_page
def second_factor_reset_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    """A clinic admin resets a member of staff's second factor (a lost device), with the reason."""
    staff = sf.resettable_staff(actor)
    form = SecondFactorResetForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["user"]
        try:
            sf.second_factor_reset(actor=actor, user=user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"The second factor of {user.get_full_name() or user.username} was reset; "
                "they set up a new authenticator app at their next log-in.",
            )
            return redirect("second-factor-reset")
    return render(request, "accounts/second_factor_reset.html", {"form": form})
