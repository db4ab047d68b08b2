"""The pages a member of staff reaches without logging in: the set-password link from an
invitation or reset e-mail, and "forgot password". A link that cannot be used says why in plain
words and offers nothing else."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from kitclinic.accounts import password_links as links
from kitclinic.accounts.forms import PasswordForgotForm, SetPasswordLinkForm
from kitclinic.lib.forms import INVALID_FORM_STATUS, add_service_errors

LINK_GONE_STATUS = 410


def _private(response: HttpResponse) -> HttpResponse:
    # The secret is in the address: never send it to another site, never index the page
    # ("no-referrer" would make the browser post the form with "Origin: null", which CSRF refuses).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
def password_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = links.link_open(token)
    except links.LinkUnavailable as exc:
        return _private(
            render(
                request,
                "accounts/password_link_unavailable.html",
                {"reason": str(exc)},
                status=LINK_GONE_STATUS,
            )
        )
    form = SetPasswordLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            links.link_use(secret=token, password=form.cleaned_data["new_password1"])
        except links.LinkUnavailable as exc:
            return _private(
                render(
                    request,
                    "accounts/password_link_unavailable.html",
                    {"reason": str(exc)},
                    status=LINK_GONE_STATUS,
                )
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your password is set. Log in with it now.")
            return redirect("login")
    status = INVALID_FORM_STATUS if request.method == "POST" else 200
    return _private(
        render(
            request,
            "accounts/password_link.html",
            {"form": form, "link": link, "username": link.user.username},
            status=status,
        )
    )


@never_cache
def password_forgot(request: HttpRequest) -> HttpResponse:
    form = PasswordForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            links.password_reset_request(email=form.cleaned_data["email"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "accounts/password_forgot_sent.html", {})
    status = INVALID_FORM_STATUS if request.method == "POST" else 200
    return render(request, "accounts/password_forgot.html", {"form": form}, status=status)
