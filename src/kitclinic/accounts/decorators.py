"""The entry of every clinic page: logged in, acting in one clinic and role."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from kitclinic.accounts.actor import Actor, actor_from_request


def clinic_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; the view receives the Actor as its second argument (403 without a role).
    The page runs in the acting clinic's time zone (``Clinic.zone``): every time its templates,
    charts and PDFs show is the clinic's wall-clock time."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor: Actor = actor_from_request(request)
        with timezone.override(actor.clinic.zone):
            return view(request, actor, *args, **kwargs)

    return wrapper
