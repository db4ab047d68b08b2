"""The API tokens page: a user's own tokens (list, create, revoke) and, for a clinic admin, the
tokens of the clinic's staff (revoke). The secret of a new token is shown once, in the answer to
the POST that created it, and kept nowhere else."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.forms import ApiTokenCreateForm, ApiTokenRevokeForm
from kitclinic.accounts.roles import Action
from kitclinic.accounts.tokens import (
    access_api_token,
    api_token_create,
    api_token_revoke,
    api_tokens_of,
    api_tokens_of_clinic_staff,
)
from kitclinic.lib.forms import add_service_errors


def _page(
    request: HttpRequest,
    actor: Actor,
    form: ApiTokenCreateForm,
    *,
    created: object = None,
    secret: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": list(api_tokens_of(actor.user)),
            "staff_tokens": list(api_tokens_of_clinic_staff(actor)),
            "may_revoke_staff": actor.may(Action.API_TOKEN_REVOKE_STAFF),
            "created": created,
            "secret": secret,
        },
        status=status,
    )


@clinic_page
def api_tokens(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method != "POST":
        return _page(request, actor, ApiTokenCreateForm())
    form = ApiTokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, secret = api_token_create(
                user=actor.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
                actor=actor,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # No redirect: the secret is in this answer only (never in the session or a URL).
            return _page(request, actor, ApiTokenCreateForm(), created=token, secret=secret)
    return _page(request, actor, form, status=422)


@require_POST
@clinic_page
def api_token_revoke_view(request: HttpRequest, actor: Actor, token_id: int) -> HttpResponse:
    token = access_api_token(actor, token_id)
    form = ApiTokenRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Reason: " + " ".join(str(e) for e in form.errors["reason"]))
        return redirect("api-tokens")
    try:
        api_token_revoke(token=token, reason=form.cleaned_data["reason"], actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Token {token.prefix}… ({token.name}) revoked.")
    return redirect("api-tokens")
