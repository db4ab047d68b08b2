"""The infusion sessions a dispense or a waste names, as the controlled-substance log sees them.

The log sits below the infusion workflow in the layers: the infusions app records a session's
draw and waste through the log's services, so the log may not import the infusions app back.
Yet an entry names the session the drug went to (``SubstanceLogEntry.session``, a foreign key by
model name that the database keeps), the dispense and waste forms offer the clinic's recent
sessions, the API resolves a session id, and an entry for a session that did not take place is
refused. Which sessions are recent and which took place are rules of the session's state
machine, so the infusions app answers those questions: it registers a :class:`SessionSource`
when Django starts (``InfusionsConfig.ready``) and the log asks through :func:`session_source`.

Simpler-looking alternatives were weighed: a copy here of the states that do not take place would
drift from the state machine, and queries over the relation from the entries cannot list the
sessions no entry names yet, which is exactly what the forms offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models


@dataclass(frozen=True)
class SessionFacts:
    """What the log needs to know of one session."""

    clinic_id: int
    label: str  # how forms list it: "#12 · Jane Doe · session 3 (Checked in)"
    not_held_label: str  # the state's plain label if it did not take place ("No-show"), else ""


class SessionSource(Protocol):
    def offered(self, *, clinic_id: int) -> models.QuerySet[models.Model]:
        """The sessions of ``clinic_id`` a dispense or waste form offers, newest first."""
        ...

    def find(self, *, clinic_id: int, session_id: int) -> models.Model | None:
        """Session ``session_id`` if it is one of ``clinic_id``, whatever its state; else None."""
        ...

    def facts(self, session: models.Model) -> SessionFacts: ...


_source: SessionSource | None = None


def register_session_source(source: SessionSource) -> None:
    global _source
    _source = source


def session_source() -> SessionSource:
    if _source is None:
        raise ImproperlyConfigured(
            "No infusion session source is registered: the infusions app registers one when "
            "Django starts (kitclinic.infusions must be in INSTALLED_APPS)."
        )
    return _source
