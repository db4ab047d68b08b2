"""The infusion sessions as the controlled-substance log asks about them (kitclinic.substances.sessions
says why the log asks rather than imports): registered by ``InfusionsConfig.ready``."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from kitclinic.infusions.models import InfusionSession
from kitclinic.infusions.states import NOT_HELD_STATES, SessionState
from kitclinic.substances.sessions import SessionFacts

# A form offers sessions under way, and those started within this many days (a late waste entry).
OFFERED_DAYS = 7
# Not offered: a session not yet checked in has drawn nothing, and one that did not take place
# never will.
NOT_OFFERED_STATES = frozenset({SessionState.SCHEDULED, *NOT_HELD_STATES})


class InfusionSessions:
    """kitclinic.substances.sessions.SessionSource over InfusionSession."""

    def offered(self, *, clinic_id: int) -> models.QuerySet[InfusionSession]:
        recent = timezone.now() - dt.timedelta(days=OFFERED_DAYS)
        return (
            InfusionSession.objects.filter(clinic_id=clinic_id)
            .exclude(state__in=sorted(NOT_OFFERED_STATES))
            .filter(Q(started_at__isnull=True) | Q(started_at__gte=recent))
            .select_related("patient")
            .order_by("-created_at", "-id")
        )

    def find(self, *, clinic_id: int, session_id: int) -> InfusionSession | None:
        return InfusionSession.objects.filter(pk=session_id, clinic_id=clinic_id).first()

    def facts(self, session: models.Model) -> SessionFacts:
        if not isinstance(session, InfusionSession):
            raise TypeError(f"Not an infusion session: {session!r}")
        state = SessionState(session.state)
        return SessionFacts(
            clinic_id=session.clinic_id,
            label=f"#{session.pk} · {session.patient.display_name} · session {session.number} "
            f"({state.label})",
            not_held_label=state.label if state in NOT_HELD_STATES else "",
        )
