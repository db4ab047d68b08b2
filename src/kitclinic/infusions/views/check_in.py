"""Check-in and its correction before the order."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from kitclinic import instruments
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.consent.selectors import consent_status
from kitclinic.infusions import forms as f
from kitclinic.infusions.access import access_session
from kitclinic.infusions.models import CheckIn
from kitclinic.infusions.services.corrections import check_in_correct, effective_check_in
from kitclinic.infusions.services.overrides import cosigner_choices, cosigner_from_id
from kitclinic.infusions.services.sessions.check_in import (
    INDICATION_SCALE,
    CheckInData,
    pregnancy_status_required,
    session_check_in,
)
from kitclinic.infusions.services.sessions.protocol import session_protocol
from kitclinic.infusions.services.weights import weight_findings_preview
from kitclinic.infusions.states import Step, allowed
from kitclinic.infusions.views.common import step_page


@clinic_page
def check_in(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.SESSION_CHECK_IN)
    actor = actor.at_clinic(session.clinic_id)
    scale = INDICATION_SCALE[session.course.indication]
    instrument = instruments.get_instrument(scale)
    needs_pregnancy = pregnancy_status_required(session.patient, timezone.localdate())
    protocol = session_protocol(session)
    # only a consent to the indication's current information sheet lets the patient check in
    consent = consent_status(
        session.patient_id, session.patient.organization_id, session.course.indication
    )
    initial: dict[str, object] = {"pregnancy_status": "" if needs_pregnancy else "not_applicable"}
    if consent.ok:
        initial["consent_on_file"] = True
    # a weight that needs an override shows its findings and asks for reasons and a co-signer
    findings = []
    if request.method == "POST" and allowed(Step.CHECK_IN, session.state):
        findings = weight_findings_preview(session, protocol, request.POST.get("weight_kg", ""))
    soft_codes = [x.code for x in findings if x.severity == "soft"]
    form = f.CheckInForm(
        request.POST or None,
        initial=initial,
        soft_codes=soft_codes,
        cosigners=cosigner_choices(session.clinic, actor) if soft_codes else None,
    )
    form.fields[
        "rating_answers"
    ].label = f"Pre-infusion {instrument.name} ({len(instrument.items)} items, item 1 first)"
    if needs_pregnancy:
        form.fields["pregnancy_status"].choices = [("", "— choose —")] + [
            c for c in form.fields["pregnancy_status"].choices if c[0] != "not_applicable"
        ]

    def save(form: forms.Form) -> object:
        data = {
            k: v
            for k, v in form.cleaned_data.items()
            if not k.startswith("override_") and k != "cosigner"
        }
        return session_check_in(
            actor=actor,
            session=session,
            data=CheckInData(
                **data,
                override_reasons=form.override_reasons(),  # type: ignore[attr-defined]  # the check-in form adds override_reasons to the Form it is typed as
                cosigner=cosigner_from_id(session.clinic, form.cleaned_data.get("cosigner")),
            ),
        )

    return step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Check-in",
        done="Checked in.",
        template="infusions/check_in.html",
        context={
            "needs_pregnancy": needs_pregnancy,
            "protocol": protocol,
            "consent": consent.consent,
            "consent_status": consent,
            "consent_url": reverse("consent-add", args=[session.patient_id])
            + f"?indication={session.course.indication}",
            "findings": [x.to_dict() for x in findings],
            "weight_override_fields": [form[name] for name in form.fields if _is_override(name)],
        },
    )


def _is_override(name: str) -> bool:
    return name.startswith("override_") or name == "cosigner"


@clinic_page
def check_in_correction(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.SESSION_CHECK_IN)
    actor = actor.at_clinic(session.clinic_id)
    check_in_row = CheckIn.objects.filter(session=session).select_related("checked_in_by").first()
    effective = effective_check_in(check_in_row) if check_in_row is not None else None
    protocol = session_protocol(session)
    findings = []
    if request.method == "POST" and allowed(Step.CORRECT_CHECK_IN, session.state):
        given = request.POST.get("weight_kg", "").strip()
        try:
            changed = effective is not None and Decimal(given) != effective.weight_kg
        except ArithmeticError:
            changed = False
        if changed:
            findings = weight_findings_preview(session, protocol, given)
    soft_codes = [x.code for x in findings if x.severity == "soft"]
    form = f.CheckInCorrectionForm(
        request.POST or None,
        soft_codes=soft_codes,
        cosigners=cosigner_choices(session.clinic, actor) if soft_codes else None,
    )

    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        return check_in_correct(
            actor=actor,
            session=session,
            reason=data["reason"],
            weight_kg=data["weight_kg"],
            pregnancy_status=data["pregnancy_status"] or None,
            override_reasons=form.override_reasons(),  # type: ignore[attr-defined]  # the check-in form adds override_reasons to the Form it is typed as
            cosigner=cosigner_from_id(session.clinic, data.get("cosigner")),
        )

    return step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Correct the check-in",
        done="Check-in corrected; the order is checked against the corrected values.",
        template="infusions/check_in_correct.html",
        context={
            "check_in": check_in_row,
            "effective": effective,
            "step_allowed": allowed(Step.CORRECT_CHECK_IN, session.state),
            "findings": [x.to_dict() for x in findings],
            "weight_override_fields": [form[name] for name in form.fields if _is_override(name)],
        },
    )
