"""The clinic admin's staff pages: the organization's staff list, inviting a member of staff,
one member's page (roles per clinic, deactivate or reactivate, invitation, password reset).
Every write is one service call of ``kitclinic.accounts.services``; every page is for a role
that manages staff (403 otherwise) and shows only the organization's staff (404 otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kitclinic.accounts import services
from kitclinic.accounts.access import access_membership, access_staff_member
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.forms import StaffDeactivateForm, StaffInviteForm, StaffRoleForm
from kitclinic.accounts.models import Clinic, User
from kitclinic.accounts.roles import Action
from kitclinic.accounts.selectors import staff_member, staff_page
from kitclinic.lib.forms import INVALID_FORM_STATUS, add_service_errors, form_page


def _managed_clinics(actor: Actor) -> list[Clinic]:
    """The clinics of the organization where the actor manages staff."""
    ids = actor.clinic_ids_where(Action.STAFF_MANAGE)
    return sorted(
        (m.clinic for m in (actor.available or (actor.membership,)) if m.clinic_id in ids),
        key=lambda c: c.name,
    )


@clinic_page
def administration(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.STAFF_MANAGE)
    return render(request, "accounts/administration.html", {})


@clinic_page
def staff_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    listing = staff_page(actor, request.GET, query=query)
    return render(request, "accounts/staff_list.html", {"listing": listing, "query": query})


@clinic_page
def staff_invite_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.STAFF_MANAGE)
    form = StaffInviteForm(request.POST or None, clinics=_managed_clinics(actor))

    def save(f: forms.Form) -> User:
        assert isinstance(f, StaffInviteForm)
        d = f.cleaned_data
        return services.staff_invite(
            actor=actor,
            first_name=d["first_name"],
            last_name=d["last_name"],
            email=d["email"],
            roles=f.roles(),
        )

    return form_page(
        request,
        form,
        save,
        template="accounts/staff_invite.html",
        context={},
        done="Invitation sent: they choose their password from the link in the e-mail.",
        success=lambda user: redirect("staff-member", user_id=user.pk),
    )


def _member_page(
    request: HttpRequest,
    actor: Actor,
    user: User,
    *,
    role_form: StaffRoleForm | None = None,
    deactivate_form: StaffDeactivateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    clinics = _managed_clinics(actor)
    return render(
        request,
        "accounts/staff_member.html",
        {
            "row": staff_member(actor, user),
            "managed_clinic_ids": {c.pk for c in clinics},
            "role_form": role_form or StaffRoleForm(clinics=clinics),
            "deactivate_form": deactivate_form or StaffDeactivateForm(),
            "is_self": user.pk == actor.user.pk,
        },
        status=status,
    )


@clinic_page
def staff_member_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = access_staff_member(actor, user_id)
    return _member_page(request, actor, user)


@require_POST
@clinic_page
def staff_role_set_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = access_staff_member(actor, user_id)
    form = StaffRoleForm(request.POST, clinics=_managed_clinics(actor))
    if form.is_valid():
        try:
            membership = services.staff_role_set(
                actor=actor,
                user=user,
                clinic_id=form.cleaned_data["clinic"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{user} is now {membership.get_role_display()} at {membership.clinic.name}.",
            )
            return redirect("staff-member", user_id=user.pk)
    return _member_page(request, actor, user, role_form=form, status=INVALID_FORM_STATUS)


@require_POST
@clinic_page
def staff_deactivate_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = access_staff_member(actor, user_id)
    form = StaffDeactivateForm(request.POST)
    if form.is_valid():
        try:
            services.staff_deactivate(actor=actor, user=user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"{user} is deactivated: their sessions and API tokens are refused."
            )
            return redirect("staff-member", user_id=user.pk)
    return _member_page(request, actor, user, deactivate_form=form, status=INVALID_FORM_STATUS)


def _one_step(
    request: HttpRequest,
    actor: Actor,
    user: User,
    step: Callable[[], Any],
    done: str,
) -> HttpResponse:
    """A write without a form (a button): its refusal is shown on the member's page, 422."""
    try:
        step()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _member_page(request, actor, user, status=INVALID_FORM_STATUS)
    messages.success(request, done)
    return redirect("staff-member", user_id=user.pk)


@require_POST
@clinic_page
def staff_role_revoke_view(
    request: HttpRequest, actor: Actor, user_id: int, membership_id: int
) -> HttpResponse:
    user = access_staff_member(actor, user_id)
    membership = access_membership(actor, membership_id)
    if membership.user_id != user.pk:
        raise Http404("No such role.")
    return _one_step(
        request,
        actor,
        user,
        lambda: services.staff_role_revoke(actor=actor, membership=membership),
        f"Role {membership.get_role_display()} at {membership.clinic.name} revoked.",
    )


@require_POST
@clinic_page
def staff_reactivate_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = access_staff_member(actor, user_id)
    return _one_step(
        request,
        actor,
        user,
        lambda: services.staff_reactivate(actor=actor, user=user),
        f"{user} is active again.",
    )


@require_POST
@clinic_page
def staff_reinvite_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = access_staff_member(actor, user_id)
    return _one_step(
        request,
        actor,
        user,
        lambda: services.staff_reinvite(actor=actor, user=user),
        f"A new invitation was sent to {user.email}; the earlier link no longer works.",
    )


@require_POST
@clinic_page
def staff_invitation_cancel_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = access_staff_member(actor, user_id)
    return _one_step(
        request,
        actor,
        user,
        lambda: services.staff_invitation_cancel(actor=actor, user=user),
        "Invitation cancelled: its link no longer works.",
    )


@require_POST
@clinic_page
def staff_password_reset_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = access_staff_member(actor, user_id)
    return _one_step(
        request,
        actor,
        user,
        lambda: services.staff_password_reset_send(actor=actor, user=user),
        f"A password-reset link was sent to {user.email}. Their current password works until "
        "they use it.",
    )
