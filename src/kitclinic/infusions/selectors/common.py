"""Small helpers the infusion selectors share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from kitclinic.infusions.models import InfusionSession


def related_or_none(model_name: str, session: InfusionSession) -> Any:
    try:
        return getattr(session, model_name)
    except ObjectDoesNotExist:  # RelatedObjectDoesNotExist of any one-to-one
        return None


def minutes_between(since: dt.datetime, when: dt.datetime) -> float:
    return round((when - since).total_seconds() / 60, 2)
