"""What the session step pages share: the redirect back to the session and the one step-form
page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from kitclinic import instruments
from kitclinic.accounts.actor import Actor
from kitclinic.infusions import forms as f
from kitclinic.infusions.models import InfusionSession, ScoreKind
from kitclinic.infusions.services.sessions.check_in import INDICATION_SCALE
from kitclinic.lib.forms import form_page


def session_redirect(session: InfusionSession) -> HttpResponse:
    return redirect("infusions-session", session_id=session.pk)


def step_page(
    request: HttpRequest,
    actor: Actor,
    session: InfusionSession,
    form: forms.Form,
    save: Callable[[forms.Form], object],
    *,
    title: str,
    template: str = "infusions/step.html",
    done: str,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    return form_page(
        request,
        form,
        save,
        template=template,
        context={"title": title, "session": session, "patient": session.patient, **(context or {})},
        done=done,
        success=lambda _saved: session_redirect(session),
    )


def score_form(session: InfusionSession, kind: str, data: Any = None, **kwargs: Any) -> f.ScoreForm:
    """The bedside score form of ``kind``: a CADSS or the post-infusion rating (the indication's
    own scale) is entered item by item; a MOAA/S level (or an unknown kind) is one field."""
    legend = ""
    instrument = None
    if kind == ScoreKind.CADSS:
        instrument = instruments.get_instrument("cadss")
        legend = "Dissociation: CADSS, 23 items"
    elif kind == ScoreKind.POST_RATING:
        instrument = instruments.get_instrument(INDICATION_SCALE[session.course.indication])
        legend = f"Post-infusion rating: {instrument.name}"
    return f.ScoreForm(data, instrument=instrument, legend=legend, initial={"kind": kind}, **kwargs)
