"""The entry of every clinic page: logged in, acting in one clinic and role."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from kitclinic.accounts.actor import Actor, actor_from_request


def clinic_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; the view receives the Actor as its second argument (403 without a role)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor: Actor = actor_from_request(request)
        return view(request, actor, *args, **kwargs)

    return wrapper
