"""Check-in and its correction before the order."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.infusions import forms as f
from kitclinic.infusions.access import access_session
from kitclinic.infusions.forms import is_override_field
from kitclinic.infusions.selectors.check_in import check_in_correction_overview, check_in_overview
from kitclinic.infusions.services.corrections import check_in_correct
from kitclinic.infusions.services.overrides import cosigner_from_id
from kitclinic.infusions.services.sessions.check_in import session_check_in
from kitclinic.infusions.views.common import step_page


def _posted_weight(request: HttpRequest) -> str | None:
    return request.POST.get("weight_kg", "") if request.method == "POST" else None


@clinic_page
def check_in(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.SESSION_CHECK_IN)
    actor = actor.at_clinic(session.clinic_id)
    # a weight that needs an override shows its findings and asks for reasons and a co-signer
    page = check_in_overview(actor, session, weight=_posted_weight(request))
    form = f.CheckInForm(
        request.POST or None,
        initial=page.initial,
        rating_instrument=page.instrument,
        soft_codes=page.weight.soft_codes,
        cosigners=page.weight.cosigners,
        pregnancy_required=page.pregnancy_required,
    )

    def save(form: forms.Form) -> object:
        assert isinstance(form, f.CheckInForm)
        cosigner = cosigner_from_id(session.clinic, form.cleaned_data.get("cosigner"))
        return session_check_in(actor=actor, session=session, data=form.check_in_data(cosigner))

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
            "needs_pregnancy": page.pregnancy_required,
            "pregnancy_rule": page.pregnancy_rule,
            "protocol": page.protocol,
            "consent": page.consent.consent,
            "consent_status": page.consent,
            "consent_url": reverse("consent-add", args=[session.patient_id])
            + "?"
            + urlencode({"indication": session.course.indication}),
            "findings": [x.to_dict() for x in page.weight.findings],
            "weight_override_fields": _override_fields(form),
        },
    )


def _override_fields(form: forms.Form) -> list[forms.BoundField]:
    """The reason and co-signer fields a soft weight finding added, shown under the findings."""
    return [form[name] for name in form.fields if is_override_field(name)]


@clinic_page
def check_in_correction(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.SESSION_CHECK_IN)
    actor = actor.at_clinic(session.clinic_id)
    page = check_in_correction_overview(actor, session, weight=_posted_weight(request))
    form = f.CheckInCorrectionForm(
        request.POST or None, soft_codes=page.weight.soft_codes, cosigners=page.weight.cosigners
    )

    def save(form: forms.Form) -> object:
        assert isinstance(form, f.CheckInCorrectionForm)
        data = form.cleaned_data
        return check_in_correct(
            actor=actor,
            session=session,
            reason=data["reason"],
            weight_kg=data["weight_kg"],
            pregnancy_status=data["pregnancy_status"] or None,
            override_reasons=form.override_reasons(),
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
            "check_in": page.check_in,
            "effective": page.effective,
            "step_allowed": page.step_allowed,
            "findings": [x.to_dict() for x in page.weight.findings],
            "weight_override_fields": _override_fields(form),
        },
    )
