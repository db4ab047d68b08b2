"""The dashboard's lists: patients seen today, awaiting an eligibility decision, decisions to
review, recently registered, and open safety alerts (patients, audit and assessments together)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.assessments.selectors import dashboard_alerts, follow_up_pending
from kitclinic.audit.models import AuditEvent
from kitclinic.patients.models import ContraindicationScreen, EligibilityDecision, Patient


@dataclass(frozen=True)
class DashboardSummary:
    seen_today: list[Patient]
    awaiting_decision: list[Patient]
    needs_review: list[EligibilityDecision]
    recently_registered: list[Patient]
    patient_count: int
    safety_alerts: list[Any] = field(default_factory=list)
    # for a role without Action.CLINICAL_VIEW, instead of safety_alerts: the patients only
    clinical: bool = True
    follow_up_pending: list[Patient] = field(default_factory=list)

    def patient_ids(self) -> set[int]:
        """Every patient the dashboard names, in any of its lists."""
        ids = {
            p.pk
            for p in (
                *self.seen_today,
                *self.awaiting_decision,
                *self.recently_registered,
                *self.follow_up_pending,
            )
        }
        ids.update(d.patient_id for d in self.needs_review)
        ids.update(a.patient_id for a in self.safety_alerts)
        return ids


def dashboard_summary(actor: Actor, *, limit: int = 10) -> DashboardSummary:
    """The dashboard's lists, a fixed number of queries whatever the data size."""
    actor.require(Action.PATIENT_VIEW)
    org_patients = Patient.objects.filter(organization_id=actor.organization_id)
    today = timezone.localdate()
    clinical = actor.may(Action.CLINICAL_VIEW)
    seen_ids = (
        AuditEvent.objects.filter(
            clinic_id=actor.membership.clinic_id,
            occurred_at__date=today,
            patient__isnull=False,
        )
        .values("patient_id")
        .distinct()
    )
    return DashboardSummary(
        seen_today=list(org_patients.filter(pk__in=seen_ids).order_by("family_name_key")[:limit]),
        # eligibility is clinical: the front desk's dashboard leaves these two lists out
        awaiting_decision=list(
            org_patients.filter(
                Exists(ContraindicationScreen.objects.filter(patient=OuterRef("pk"))),
                ~Exists(
                    EligibilityDecision.objects.filter(
                        patient=OuterRef("pk"), superseded_by__isnull=True
                    )
                ),
            ).order_by("family_name_key")[:limit]
        )
        if clinical
        else [],
        needs_review=list(
            EligibilityDecision.objects.filter(
                patient__organization_id=actor.organization_id,
                outcome="needs_review",
                superseded_by__isnull=True,
            )
            .select_related("patient", "signed_by")
            .order_by("-signed_at")[:limit]
        )
        if clinical
        else [],
        recently_registered=list(org_patients.order_by("-created_at", "-id")[:limit]),
        patient_count=org_patients.count(),
        safety_alerts=dashboard_alerts(actor, limit=limit) if clinical else [],
        clinical=clinical,
        follow_up_pending=[] if clinical else follow_up_pending(actor, limit=limit),
    )
