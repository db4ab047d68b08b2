"""The drug library: its versions; a draft edited one protocol or one quantity's limits at a time;
the difference against the active version reviewed before a physician approves or sends back;
a whole library pasted or exported as JSON for experts."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.dosing import DosingMode, default_library, library_to_dict
from kitclinic.dosing.library.diff import INDICATION_LABELS
from kitclinic.dosing.library.edit import LIMIT_QUANTITIES, limit_quantity
from kitclinic.infusions.access import access_library_version
from kitclinic.infusions.forms import library as lf
from kitclinic.infusions.models import DrugLibraryVersion
from kitclinic.infusions.selectors.library import (
    library_overview,
    library_review,
    open_draft,
    protocol_rows,
)
from kitclinic.infusions.services import library
from kitclinic.lib.forms import INVALID_FORM_STATUS, add_service_errors, form_page


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
            "draft": open_draft(actor),
            "new_draft_form": lf.LibraryNewDraftForm(),
            "may_edit": actor.may(Action.LIBRARY_EDIT),
            "may_approve": actor.may(Action.LIBRARY_APPROVE),
        },
    )


@require_POST
@clinic_page
def library_draft_start(request: HttpRequest, actor: Actor) -> HttpResponse:
    """A new draft, a copy of the active version, opened in the editor."""
    actor.require(Action.LIBRARY_EDIT)
    form = lf.LibraryNewDraftForm(request.POST)
    note = form.cleaned_data["change_note"] if form.is_valid() else ""
    overview = library_overview(actor)
    base = overview.active.data if overview.active else library_to_dict(default_library())
    try:
        version = library.library_draft_create(actor=actor, data=base, change_note=note)
    except ValidationError as exc:
        # another editor's draft opened since this page was shown: say which, change nothing
        messages.error(request, " ".join(exc.messages))
        return redirect("infusions-library")
    messages.success(request, f"Draft v{version.number} started from the active version.")
    return redirect("infusions-library-draft-edit", version_id=version.pk)


def _draft(actor: Actor, version_id: int) -> DrugLibraryVersion:
    version = access_library_version(actor, version_id, Action.LIBRARY_EDIT)
    if not version.is_draft:
        raise Http404("Only a draft can be edited.")
    return version


def _to_draft(version: DrugLibraryVersion) -> Any:
    return lambda _saved: redirect("infusions-library-draft-edit", version_id=version.pk)


@clinic_page
def library_draft_edit(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    """The draft editor: each protocol with its figures and a form per protocol and per limit."""
    version = access_library_version(actor, version_id, Action.LIBRARY_EDIT)
    if not version.is_draft:
        messages.error(request, f"v{version.number} is not a draft any more.")
        return _library_page(version)
    review = library_review(actor, version)
    changed = {p.protocol.id: len(p.changes) for p in review.diff.changed}
    added = {p.id for p in review.diff.added}
    protocols = [
        {
            "protocol": p,
            "rows": protocol_rows(p),
            "limits": [q for q in LIMIT_QUANTITIES if q.applies_to(p.dosing_mode)],
            "changes": changed.get(p.id, 0),
            "is_new": p.id in added,
            "indication": INDICATION_LABELS[p.indication],
        }
        for p in version.library().protocols
    ]
    return render(
        request,
        "infusions/library_draft.html",
        {"version": version, "protocols": protocols, "review": review},
    )


def _protocol_data(version: DrugLibraryVersion, protocol_id: str) -> dict[str, Any]:
    for protocol in version.data["protocols"]:
        if protocol.get("id") == protocol_id:
            return dict(protocol)
    raise Http404("No such protocol in this draft.")


def _form_context(version: DrugLibraryVersion, title: str, **extra: Any) -> dict[str, Any]:
    return {"version": version, "title": title, **extra}


@clinic_page
def library_limits_edit(
    request: HttpRequest, actor: Actor, version_id: int, protocol_id: str, quantity: str
) -> HttpResponse:
    version = _draft(actor, version_id)
    protocol = _protocol_data(version, protocol_id)
    try:
        q = limit_quantity(quantity)
    except KeyError:
        raise Http404("No such quantity.") from None
    mode = DosingMode(protocol["dosing_mode"])
    if not q.applies_to(mode):
        raise Http404("This protocol has no such limits.")
    form = lf.LimitsForm(
        request.POST or None, quantity=q, unit=q.unit_for(mode), stored=protocol.get(quantity)
    )

    def save(form: forms.Form) -> object:
        assert isinstance(form, lf.LimitsForm)
        return library.library_limits_edit(
            actor=actor,
            version=version,
            protocol_id=protocol_id,
            quantity=quantity,
            bounds=form.bounds(),
        )

    return form_page(
        request,
        form,
        save,
        template="infusions/library_limits.html",
        context=_form_context(
            version,
            f"{q.label} limits: {protocol['name']}",
            protocol=protocol,
            quantity=q,
            unit=q.unit_for(mode),
        ),
        done=f"{q.label} limits of {protocol['name']} saved in draft v{version.number}.",
        success=_to_draft(version),
    )


@clinic_page
def library_protocol_edit(
    request: HttpRequest, actor: Actor, version_id: int, protocol_id: str
) -> HttpResponse:
    version = _draft(actor, version_id)
    protocol = _protocol_data(version, protocol_id)
    dose_unit = DosingMode(protocol["dosing_mode"]).dose_unit
    form = lf.ProtocolForm(request.POST or None, protocol=protocol, dose_unit=dose_unit)

    def save(form: forms.Form) -> object:
        assert isinstance(form, lf.ProtocolForm)
        return library.library_protocol_edit(
            actor=actor, version=version, protocol_id=protocol_id, details=form.details()
        )

    return form_page(
        request,
        form,
        save,
        template="infusions/library_protocol.html",
        context=_form_context(version, f"Protocol: {protocol['name']}", protocol=protocol),
        done=f"{protocol['name']} saved in draft v{version.number}.",
        success=_to_draft(version),
    )


@clinic_page
def library_protocol_add(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    version = _draft(actor, version_id)
    choices = [(p["id"], p["name"]) for p in version.data["protocols"]]
    form = lf.ProtocolAddForm(request.POST or None, protocols=choices)

    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        return library.library_protocol_add(
            actor=actor,
            version=version,
            base_id=data["base_id"],
            new_id=data["id"],
            name=data["name"],
            indication=data["indication"],
        )

    return form_page(
        request,
        form,
        save,
        template="infusions/library_form.html",
        context=_form_context(version, "Add a protocol"),
        done=f"Protocol added to draft v{version.number}.",
        success=_to_draft(version),
    )


@require_POST
@clinic_page
def library_protocol_retire(
    request: HttpRequest, actor: Actor, version_id: int, protocol_id: str
) -> HttpResponse:
    version = _draft(actor, version_id)
    protocol = _protocol_data(version, protocol_id)
    try:
        library.library_protocol_retire(actor=actor, version=version, protocol_id=protocol_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"{protocol['name']} taken out of draft v{version.number} (the active version "
            "keeps it until the draft is approved).",
        )
    return redirect("infusions-library-draft-edit", version_id=version.pk)


@require_POST
@clinic_page
def library_protocol_restore(
    request: HttpRequest, actor: Actor, version_id: int, protocol_id: str
) -> HttpResponse:
    """Undo the draft's changes to a protocol, or put back a retired one, as in the active
    version."""
    version = _draft(actor, version_id)
    try:
        library.library_protocol_restore(actor=actor, version=version, protocol_id=protocol_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The protocol is back as in the active version.")
    return redirect("infusions-library-draft-edit", version_id=version.pk)


@clinic_page
def library_details_edit(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    version = _draft(actor, version_id)
    form = lf.LibraryDetailsForm(
        request.POST or None,
        initial={"version": version.data.get("version"), "drug": version.data.get("drug")},
    )

    def save(form: forms.Form) -> object:
        return library.library_details_edit(
            actor=actor,
            version=version,
            label=form.cleaned_data["version"],
            drug=form.cleaned_data["drug"],
        )

    return form_page(
        request,
        form,
        save,
        template="infusions/library_form.html",
        context=_form_context(version, "Version label and drug"),
        done=f"Draft v{version.number} saved.",
        success=_to_draft(version),
    )


@require_POST
@clinic_page
def library_draft_discard(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    version = access_library_version(actor, version_id, Action.LIBRARY_EDIT)
    try:
        library.library_draft_discard(actor=actor, version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Draft v{version.number} discarded; nothing else changed.")
    return redirect("infusions-library")


@clinic_page
def library_import(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Experts: paste a whole library (as exported) as a new draft, under the same rules."""
    actor.require(Action.LIBRARY_EDIT)
    form = lf.LibraryImportForm(request.POST or None)

    def save(form: forms.Form) -> object:
        return library.library_draft_create(
            actor=actor,
            data=form.cleaned_data["data"],
            change_note=form.cleaned_data["change_note"],
        )

    return form_page(
        request,
        form,
        save,
        template="infusions/library_import.html",
        context={},
        done="Library imported as a new draft; a physician must approve it.",
        success=lambda version: redirect("infusions-library-draft-edit", version_id=version.pk),
    )


@clinic_page
def library_export(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    """A version's stored form as a JSON file (read-only)."""
    version = access_library_version(actor, version_id, Action.PATIENT_VIEW)
    response = HttpResponse(
        json.dumps(version.data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="drug-library-v{version.number}.json"'
    return response


def _review_page(
    request: HttpRequest,
    actor: Actor,
    version: DrugLibraryVersion,
    *,
    send_back_form: lf.LibrarySendBackForm | None = None,
    status: int = 200,
) -> HttpResponse:
    review = library_review(actor, version)
    return render(
        request,
        "infusions/library_review.html",
        {
            "version": version,
            "review": review,
            "approve_form": lf.LibraryApproveForm(initial={"reviewed": review.fingerprint}),
            "send_back_form": send_back_form or lf.LibrarySendBackForm(),
            "may_approve": actor.may(Action.LIBRARY_APPROVE)
            and version.created_by_id != actor.user.pk,
            "may_edit": actor.may(Action.LIBRARY_EDIT),
        },
        status=status,
    )


@clinic_page
def library_review_page(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    """A draft against the active version: every protocol added, removed and changed."""
    version = access_library_version(actor, version_id, Action.PATIENT_VIEW)
    if not version.is_draft:
        return _library_page(version)
    return _review_page(request, actor, version)


@require_POST
@clinic_page
def library_approve(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    version = access_library_version(actor, version_id, Action.LIBRARY_APPROVE)
    form = lf.LibraryApproveForm(request.POST)
    reviewed = form.cleaned_data["reviewed"] if form.is_valid() else None
    try:
        library.library_approve(actor=actor, version=version, reviewed=reviewed)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if version.is_draft:
            return redirect("infusions-library-review", version_id=version.pk)
    else:
        messages.success(request, f"Library v{version.number} approved and now active.")
    return _library_page(version)


@require_POST
@clinic_page
def library_send_back(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    version = access_library_version(actor, version_id, Action.LIBRARY_APPROVE)
    form = lf.LibrarySendBackForm(request.POST)
    if form.is_valid():
        try:
            library.library_send_back(
                actor=actor, version=version, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Draft v{version.number} sent back to its editor.")
            return _library_page(version)
    return _review_page(request, actor, version, send_back_form=form, status=INVALID_FORM_STATUS)


def _library_page(version: DrugLibraryVersion) -> HttpResponse:
    """The library page showing ``version``."""
    return redirect(reverse("infusions-library") + "?" + urlencode({"version": version.pk}))
