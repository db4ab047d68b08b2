"""Payment pages: a patient's payments and packages, recording a payment, selling a package,
refunds and voids, receipts, the daily takings report and the clinic's payment setup."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import worklist_record
from kitclinic.infusions.models import InfusionSession
from kitclinic.lib.forms import add_service_errors, form_page
from kitclinic.lib.web.downloads import file_response
from kitclinic.patients.access import access_patient
from kitclinic.patients.models import Patient
from kitclinic.payments import forms as pf
from kitclinic.payments import reports
from kitclinic.payments.access import access_payment
from kitclinic.payments.models import Kind, PackageType, Purpose
from kitclinic.payments.selectors import (
    package_balance,
    package_balances,
    package_types,
    patient_ledger,
    payment_settings,
    refundable_amount,
)
from kitclinic.payments.services import ledger, packages, setup


@clinic_page
def patient_payments(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.PAYMENT_VIEW)
    return render(
        request,
        "payments/patient.html",
        {
            "patient": patient,
            "rows": patient_ledger(patient.pk),
            "packages": package_balances(patient.pk),
            "may_record": actor.may(Action.PAYMENT_RECORD),
            "may_refund": actor.may(Action.PAYMENT_REFUND),
            "currency": payment_settings(actor.clinic).currency,
        },
    )


def _patient_form(
    request: HttpRequest,
    patient: Patient,
    form: forms.Form,
    save: Callable[[forms.Form], object],
    *,
    title: str,
    intro: str,
    done: str,
) -> HttpResponse:
    return form_page(
        request,
        form,
        save,
        template="payments/form.html",
        context={"title": title, "intro": intro, "patient": patient},
        done=done,
        success=lambda entry: redirect("payment-receipt-page", payment_id=entry.pk),
    )


@clinic_page
def payment_new(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.PAYMENT_RECORD)
    form = pf.PaymentForm(request.POST or None, actor=actor, patient_id=patient.pk)

    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        session = None
        if data["purpose"] == Purpose.SESSION and data["session"] is not None:
            session = InfusionSession.objects.filter(
                pk=data["session"], patient=patient, clinic=actor.clinic
            ).first()
        return ledger.payment_record(
            actor=actor,
            patient=patient,
            amount=data["amount"],
            method=data["method"],
            purpose=data["purpose"],
            session=session,
            reference=data["reference"],
            received_at=data["received_at"],
        )

    currency = payment_settings(actor.clinic).currency
    return _patient_form(
        request,
        patient,
        form,
        save,
        title="Record a payment",
        intro=f"Amounts in {currency}. A payment cannot be changed afterwards; a mistake is "
        "voided or refunded by the clinic admin.",
        done="Payment recorded.",
    )


@clinic_page
def package_buy(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.PAYMENT_RECORD)
    form = pf.PackageBuyForm(request.POST or None, actor=actor)

    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        return packages.package_buy(
            actor=actor,
            patient=patient,
            package_type=data["package_type"],
            method=data["method"],
            reference=data["reference"],
            received_at=data["received_at"],
        )

    return _patient_form(
        request,
        patient,
        form,
        save,
        title="Sell a prepaid package",
        intro="The patient pays the package's price now; each signed session then uses one "
        "of its sessions.",
        done="Package sold.",
    )


@clinic_page
def payment_refund(request: HttpRequest, actor: Actor, payment_id: int) -> HttpResponse:
    actor, payment = access_payment(actor, payment_id, Action.PAYMENT_REFUND)
    if payment.purpose == Purpose.PACKAGE and payment.package is not None:
        balance = package_balance(payment.package)
        form: forms.Form = pf.PackageRefundForm(
            request.POST or None, actor=actor, initial={"method": payment.method}
        )

        def save(form: forms.Form) -> object:
            data = form.cleaned_data
            assert payment.package is not None
            return packages.package_refund(
                actor=actor,
                purchase=payment.package,
                reason=data["reason"],
                method=data["method"],
                received_at=data["received_at"],
            )

        intro = (
            f"{payment.package.name}: {balance.used} of {balance.bought} sessions used, "
            f"{balance.remaining} unused. The unused sessions are refunded pro rata and the "
            "package closes."
        )
    else:
        left = refundable_amount(payment)
        form = pf.RefundForm(
            request.POST or None,
            actor=actor,
            initial={"method": payment.method, "amount": left},
        )

        def save(form: forms.Form) -> object:
            data = form.cleaned_data
            return ledger.payment_refund(
                actor=actor,
                payment=payment,
                amount=data["amount"],
                method=data["method"],
                reason=data["reason"],
                received_at=data["received_at"],
            )

        intro = (
            f"Receipt {payment.receipt_label}: at most {left} {payment.currency} is left to refund."
        )
    return _patient_form(
        request, payment.patient, form, save, title="Refund", intro=intro, done="Refund recorded."
    )


@clinic_page
def payment_void(request: HttpRequest, actor: Actor, payment_id: int) -> HttpResponse:
    actor, payment = access_payment(actor, payment_id, Action.PAYMENT_REFUND)
    form = pf.VoidForm(request.POST or None, actor=actor)

    def save(form: forms.Form) -> object:
        data = form.cleaned_data
        return ledger.payment_void(
            actor=actor, payment=payment, reason=data["reason"], received_at=data["received_at"]
        )

    intro = (
        f"Receipt {payment.receipt_label} was recorded in error: the {refundable_amount(payment)} "
        f"{payment.currency} it still has is reversed in full."
    )
    return _patient_form(
        request, payment.patient, form, save, title="Void", intro=intro, done="Payment voided."
    )


@clinic_page
def receipt_page(request: HttpRequest, actor: Actor, payment_id: int) -> HttpResponse:
    actor, payment = access_payment(actor, payment_id, Action.PAYMENT_VIEW)
    zone = payment.clinic.zone
    return render(
        request,
        "payments/receipt.html",
        {
            "entry": payment,
            "received": payment.received_at.astimezone(zone),
            "what_for": reports.what_for(payment, zone),
            "refundable": refundable_amount(payment),
            "may_refund": actor.may(Action.PAYMENT_REFUND),
        },
    )


@clinic_page
def receipt_pdf(request: HttpRequest, actor: Actor, payment_id: int) -> HttpResponse:
    actor, payment = access_payment(actor, payment_id, Action.PAYMENT_VIEW)
    filename, content = reports.receipt_pdf(actor, payment)
    return file_response(content, filename, "application/pdf")


@clinic_page
def takings(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.TAKINGS_REPORT)
    data = request.GET.copy()
    data.setdefault("day", timezone.localdate(timezone=actor.clinic.zone).isoformat())
    form = pf.TakingsForm(data)
    if not form.is_valid():
        return render(request, "payments/takings.html", {"form": form}, status=400)
    day, fmt = form.cleaned_data["day"], form.cleaned_data["format"]
    if fmt:
        filename, content, content_type = reports.takings_export(actor, day=day, fmt=fmt)
        return file_response(content, filename, content_type)
    report = reports.takings(actor, day)
    worklist_record(
        actor, what="takings", patient_ids=sorted({e.patient_id for e in report.entries})
    )
    return render(request, "payments/takings.html", {"form": form, "report": report})


@clinic_page
def payment_setup(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.PAYMENT_SETUP)
    current = payment_settings(actor.clinic)
    which = request.POST.get("form", "")
    settings_form = pf.SettingsForm(
        request.POST if which == "settings" else None,
        initial={"currency": current.currency, "package_refund_rule": current.package_refund_rule},
    )
    type_form = pf.PackageTypeForm(request.POST if which == "package" else None)
    status = 200
    if request.method == "POST":
        try:
            if which == "settings" and settings_form.is_valid():
                setup.payment_settings_set(actor=actor, **settings_form.cleaned_data)
                return redirect("payment-setup")
            if which == "package" and type_form.is_valid():
                setup.package_type_create(actor=actor, **type_form.cleaned_data)
                return redirect("payment-setup")
            if which == "retire":
                retired = PackageType.objects.filter(
                    pk=_int(request.POST.get("package_type")), clinic=actor.clinic
                ).first()
                if retired is not None:
                    setup.package_type_retire(actor=actor, package_type=retired)
                    return redirect("payment-setup")
        except ValidationError as exc:
            add_service_errors(settings_form if which == "settings" else type_form, exc)
        status = 422
    return render(
        request,
        "payments/setup.html",
        {
            "settings_form": settings_form,
            "type_form": type_form,
            "types": package_types(actor.clinic),
            "current": current,
        },
        status=status,
    )


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1


__all__ = ["Kind"]
