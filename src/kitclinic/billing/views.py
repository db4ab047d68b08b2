"""Billing pages: the fee schedule and the clinic's billing details (clinic admin), a patient's
estimates and superbills (front desk), and their PDFs. Thin: an access function, a form, one
service call."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.billing import reports
from kitclinic.billing.access import access_estimate, access_superbill
from kitclinic.billing.forms import (
    BillingIdentityForm,
    EstimateForm,
    FeeScheduleForm,
    ProviderNpiForm,
    SignatureForm,
    SuperbillForm,
)
from kitclinic.billing.selectors import (
    billing_identity,
    clinic_today,
    estimates_of,
    patient_balance,
    prices_of,
    provider_npis,
    schedule_in_force,
    schedule_rows,
    superbills_of,
)
from kitclinic.billing.services import estimates, setup, superbills
from kitclinic.lib.forms import form_page
from kitclinic.lib.web.downloads import file_response
from kitclinic.patients.access import access_patient


def _pdf(content: bytes, name: str) -> HttpResponse:
    return file_response(content, name, "application/pdf", inline=True)


@clinic_page
def fee_schedule_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.FEE_SCHEDULE_VIEW)
    return render(
        request,
        "billing/fee_schedule.html",
        {
            "rows": schedule_rows(actor.clinic),
            "identity": billing_identity(actor.clinic.pk),
            "may_setup": actor.may(Action.BILLING_SETUP),
        },
    )


@clinic_page
def fee_schedule_publish_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.BILLING_SETUP)
    today = clinic_today(actor.clinic)
    current = schedule_in_force(actor.clinic.pk, today)
    initial: dict[str, object] = {"effective_from": today}
    if current is not None:
        initial["currency"] = current.currency
        initial.update({f"price_{c}": p for c, p in prices_of(current).items()})

    def save(form: forms.Form) -> object:
        assert isinstance(form, FeeScheduleForm)
        data = form.cleaned_data
        return setup.fee_schedule_publish(
            actor=actor,
            currency=data["currency"],
            effective_from=data["effective_from"],
            prices=form.prices(),
            note=data["note"],
        )

    return form_page(
        request,
        FeeScheduleForm(request.POST or None, initial=initial),
        save,
        template="billing/form.html",
        context={
            "title": "New fee schedule version",
            "intro": "Versions never change once "
            "published: a new version takes over from its date, and bills already priced "
            "keep the prices of their date.",
        },
        done="Fee schedule published.",
        success=lambda _s: redirect("billing-fee-schedule"),
    )


@clinic_page
def billing_identity_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.BILLING_SETUP)
    row = billing_identity(actor.clinic.pk)
    initial = (
        {
            "billing_name": row.billing_name,
            "npi": row.npi,
            "tax_id": row.tax_id,
            "address": row.address,
            "phone": row.phone,
        }
        if row
        else {"billing_name": actor.clinic.name}
    )

    def save(form: forms.Form) -> object:
        return setup.billing_identity_update(actor=actor, **form.cleaned_data)

    return form_page(
        request,
        BillingIdentityForm(request.POST or None, initial=initial),
        save,
        template="billing/form.html",
        context={
            "title": f"Billing details of {actor.clinic.name}",
            "intro": "What estimates "
            "and superbills say about the clinic. The NPI's check digit is verified.",
        },
        done="Billing details saved.",
        success=lambda _s: redirect("billing-fee-schedule"),
    )


@clinic_page
def provider_npis_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.BILLING_SETUP)
    physicians = setup.physicians_of(actor)
    npis = provider_npis(actor.organization_id)
    initial = {f"npi_{p.pk}": npis.get(p.pk, "") for p in physicians}

    def save(form: forms.Form) -> object:
        assert isinstance(form, ProviderNpiForm)
        setup.provider_npis_set(actor=actor, values=form.values())
        return None

    return form_page(
        request,
        ProviderNpiForm(request.POST or None, initial=initial, physicians=physicians),
        save,
        template="billing/form.html",
        context={
            "title": "Physicians' NPIs",
            "intro": "The rendering provider's individual "
            "NPI printed on estimates and superbills. Leave empty to remove.",
        },
        done="NPIs saved.",
        success=lambda _s: redirect("billing-fee-schedule"),
    )


@clinic_page
def patient_billing_view(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.BILLING_VIEW)
    return render(
        request,
        "billing/patient.html",
        {
            "patient": patient,
            "estimates": list(estimates_of(actor, patient)),
            "superbills": list(superbills_of(actor, patient)),
            "may_issue": actor.may(Action.BILLING_ISSUE),
            "balance": patient_balance(actor.clinic, patient.pk),
        },
    )


@clinic_page
def patient_balance_view(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    """The balance card of the chart (loaded after the chart)."""
    patient = access_patient(actor, patient_id, Action.BILLING_VIEW)
    return render(
        request,
        "billing/_balance.html",
        {"patient": patient, "balance": patient_balance(actor.clinic, patient.pk), "link": True},
    )


@clinic_page
def estimate_new_view(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.BILLING_ISSUE)
    today = clinic_today(actor.clinic)
    initial = {"kind": "iv_ketamine", "sessions": 6, "minutes": 40, "scheduled_on": today}

    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        return estimates.estimate_issue(
            actor=actor,
            patient=patient,
            kind=data["kind"],
            sessions=data["sessions"],
            minutes=data["minutes"] if data["kind"] == "iv_ketamine" else None,
            dose_mg=data["dose_mg"] if data["kind"] == "esketamine_nasal" else None,
            scheduled_on=data["scheduled_on"],
            first_service_on=data["first_service_on"],
            last_service_on=data["last_service_on"],
            requested=data["requested"],
            provider_id=data["provider"],
        )

    return form_page(
        request,
        EstimateForm(request.POST or None, initial=initial, physicians=setup.physicians_of(actor)),
        save,
        template="billing/form.html",
        context={
            "title": f"Good Faith Estimate for {patient.display_name}",
            "intro": "For a self-pay patient: the planned sessions priced from the fee schedule "
            "in force on the first session's date. A new estimate replaces the patient's "
            "previous one.",
            "back": ("billing-patient", patient.pk),
        },
        done="Good Faith Estimate issued: print it for the patient to sign.",
        success=lambda e: redirect("billing-estimate", estimate_id=e.pk),
    )


@clinic_page
def estimate_view(request: HttpRequest, actor: Actor, estimate_id: int) -> HttpResponse:
    estimate = access_estimate(actor, estimate_id, Action.BILLING_VIEW)
    form = SignatureForm(request.POST or None)
    may_sign = actor.may(Action.BILLING_ISSUE) and estimate.signed_at is None
    if request.method == "POST":
        access_estimate(actor, estimate_id, Action.BILLING_ISSUE)

    def save(_form: forms.Form) -> object:
        return estimates.estimate_signature_record(actor=actor, estimate=estimate)

    return form_page(
        request,
        form,
        save,
        template="billing/estimate.html",
        context={"estimate": estimate, "doc": estimate.content, "may_sign": may_sign},
        done="The patient's signature is recorded.",
        success=lambda e: redirect("billing-estimate", estimate_id=e.pk),
    )


@clinic_page
def estimate_pdf_view(request: HttpRequest, actor: Actor, estimate_id: int) -> HttpResponse:
    estimate = access_estimate(actor, estimate_id, Action.BILLING_VIEW)
    return _pdf(reports.estimate_pdf(estimate), f"good-faith-estimate-{estimate.pk}.pdf")


@clinic_page
def superbill_new_view(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.BILLING_ISSUE)
    today = clinic_today(actor.clinic)

    def save(form: forms.Form) -> object:
        return superbills.superbill_issue(actor=actor, patient=patient, **form.cleaned_data)

    return form_page(
        request,
        SuperbillForm(
            request.POST or None,
            initial={"period_start": today.replace(day=1), "period_end": today},
        ),
        save,
        template="billing/form.html",
        context={
            "title": f"Superbill for {patient.display_name}",
            "intro": "Built from the patient's signed sessions in the period, priced from the "
            "fee schedule in force on each date of service. One day for one session.",
            "back": ("billing-patient", patient.pk),
        },
        done="Superbill issued.",
        success=lambda s: redirect("billing-patient", patient_id=patient.pk),
    )


@clinic_page
def superbill_pdf_view(request: HttpRequest, actor: Actor, superbill_id: int) -> HttpResponse:
    superbill = access_superbill(actor, superbill_id, Action.BILLING_VIEW)
    return _pdf(reports.superbill_pdf(superbill), f"superbill-{superbill.pk}.pdf")
