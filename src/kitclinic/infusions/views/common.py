"""What the session step pages share: the redirect back to the session and the one step-form
page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from kitclinic.accounts.actor import Actor
from kitclinic.infusions.models import InfusionSession
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
