"""The drug library: its versions, a draft, a physician's approval."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.dosing import default_library, library_to_dict
from kitclinic.infusions import forms as f
from kitclinic.infusions.access import access_library_version
from kitclinic.infusions.models import DrugLibraryVersion
from kitclinic.infusions.selectors.library import library_overview, protocol_rows
from kitclinic.infusions.services import library
from kitclinic.lib.forms import INVALID_FORM_STATUS, add_service_errors


@clinic_page
def library_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    overview = library_overview(actor)
    version = overview.active
    wanted = request.GET.get("version")
    if wanted:
        version = access_library_version(actor, wanted, Action.PATIENT_VIEW)
    protocols = []
    if version is not None:
        protocols = [(p, protocol_rows(p)) for p in version.library().protocols]
    return render(
        request,
        "infusions/library.html",
        {
            "overview": overview,
            "version": version,
            "protocols": protocols,
            "may_edit": actor.may(Action.LIBRARY_EDIT),
            "may_approve": actor.may(Action.LIBRARY_APPROVE),
        },
    )


@clinic_page
def library_draft(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.LIBRARY_EDIT)
    overview = library_overview(actor)
    base = overview.active.data if overview.active else library_to_dict(default_library())
    form = f.LibraryDraftForm(
        request.POST or None, initial={"data": json.dumps(base, indent=2, ensure_ascii=False)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = library.library_draft_create(
                actor=actor,
                data=form.cleaned_data["data"],
                change_note=form.cleaned_data["change_note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Draft v{version.number} saved; a physician must approve it."
            )
            return _library_page(version)
    return render(
        request,
        "infusions/library_draft.html",
        {"form": form},
        status=INVALID_FORM_STATUS if request.method == "POST" else 200,
    )


@require_POST
@clinic_page
def library_approve(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    version = access_library_version(actor, version_id, Action.LIBRARY_APPROVE)
    try:
        library.library_approve(actor=actor, version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Library v{version.number} approved and now active.")
    return _library_page(version)


def _library_page(version: DrugLibraryVersion) -> HttpResponse:
    """The library page showing ``version``."""
    return redirect(reverse("infusions-library") + "?" + urlencode({"version": version.pk}))
