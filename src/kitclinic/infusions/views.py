"""Infusion pages: the clinic day, the drug library, courses and booking, and one screen per
session step. Each view: actor, access function, form for shape, one service, redirect."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kitclinic import instruments
from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import worklist_record
from kitclinic.consent.selectors import consent_status
from kitclinic.dosing import default_library, library_to_dict
from kitclinic.infusions import forms as f
from kitclinic.infusions import selectors
from kitclinic.infusions.access import access_course, access_library_version, access_session
from kitclinic.infusions.charts import pk_preview_figure
from kitclinic.infusions.delivery import (
    remainder_outstanding_mg,
    session_delivery,
    stop_is_complete,
)
from kitclinic.infusions.models import (
    Chair,
    CheckIn,
    InfusionOrder,
    InfusionSession,
    SessionEvent,
)
from kitclinic.infusions.services import courses, infusion, library, orders, scheduling, sessions
from kitclinic.infusions.services.corrections import check_in_correct, effective_check_in
from kitclinic.infusions.services.overrides import cosigner_choices, cosigner_from_id
from kitclinic.infusions.services.sessions import INDICATION_SCALE, pregnancy_status_required
from kitclinic.infusions.services.weights import weight_findings_preview
from kitclinic.infusions.states import Step, allowed
from kitclinic.lib.bounds import date_in_window
from kitclinic.lib.forms import add_service_errors, form_page
from kitclinic.patients.access import access_patient
from kitclinic.substances.access import access_lot
from kitclinic.substances.models import EntryKind, SubstanceLogEntry
from kitclinic.substances.selectors import eligible_witnesses, lot_balances


def _session_page(session: InfusionSession) -> HttpResponse:
    return redirect("infusions-session", session_id=session.pk)


def _step_page(
    request: HttpRequest,
    actor: Actor,
    session: InfusionSession,
    form: forms.Form,
    save: Callable[[forms.Form], object],
    *,
    title: str,
    template: str = "infusions/step.html",
    done: str,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    return form_page(
        request,
        form,
        save,
        template=template,
        context={"title": title, "session": session, "patient": session.patient, **(context or {})},
        done=done,
        success=lambda _saved: _session_page(session),
    )


# ---------------------------------------------------------------------------- day and library


@clinic_page
def clinic_day(request: HttpRequest, actor: Actor) -> HttpResponse:
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    if not date_in_window(day):  # the day after 9999-12-31 does not exist
        day = timezone.localdate()
    rows = selectors.clinic_day(actor, day)
    worklist_record(
        actor,
        what="schedule",
        patient_ids=[e.appointment.patient_id for row in rows for e in row.entries],
    )
    return render(
        request,
        "infusions/day.html",
        {
            "rows": rows,
            "day": day,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "is_today": day == timezone.localdate(),
        },
    )


@clinic_page
def library_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    overview = selectors.library_overview(actor)
    version = overview.active
    wanted = request.GET.get("version")
    if wanted:
        version = access_library_version(actor, wanted, Action.PATIENT_VIEW)
    protocols = []
    if version is not None:
        protocols = [(p, selectors.protocol_rows(p)) for p in version.library().protocols]
    return render(
        request,
        "infusions/library.html",
        {
            "overview": overview,
            "version": version,
            "protocols": protocols,
            "may_edit": actor.may(Action.LIBRARY_EDIT),
            "may_approve": actor.may(Action.LIBRARY_APPROVE),
        },
    )


@clinic_page
def library_draft(request: HttpRequest, actor: Actor) -> HttpResponse:
    actor.require(Action.LIBRARY_EDIT)
    overview = selectors.library_overview(actor)
    base = overview.active.data if overview.active else library_to_dict(default_library())
    form = f.LibraryDraftForm(
        request.POST or None, initial={"data": json.dumps(base, indent=2, ensure_ascii=False)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = library.library_draft_create(
                actor=actor,
                data=form.cleaned_data["data"],
                change_note=form.cleaned_data["change_note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Draft v{version.number} saved; a physician must approve it."
            )
            return redirect(f"/infusions/library/?version={version.pk}")
    return render(
        request,
        "infusions/library_draft.html",
        {"form": form},
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@clinic_page
def library_approve(request: HttpRequest, actor: Actor, version_id: int) -> HttpResponse:
    version = access_library_version(actor, version_id, Action.LIBRARY_APPROVE)
    try:
        library.library_approve(actor=actor, version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Library v{version.number} approved and now active.")
    return redirect(f"/infusions/library/?version={version.pk}")


# ---------------------------------------------------------------------------- courses


@clinic_page
def course_plan(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.COURSE_PLAN)
    overview = selectors.library_overview(actor)
    protocols = overview.active.library().protocols if overview.active else ()
    form = f.CoursePlanForm(request.POST or None, protocols=protocols)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            course = courses.course_plan(
                actor=actor,
                patient=patient,
                indication=data["indication"],
                protocol_id=data["protocol_id"] or None,
                planned_infusions=data["planned_infusions"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Course planned. Book its sessions.")
            return redirect("infusions-course", course_id=course.pk)
    return render(
        request,
        "infusions/form.html",
        {"form": form, "title": "Plan a treatment course", "patient": patient},
        status=422 if request.method == "POST" else 200,
    )


@clinic_page
def course_page(request: HttpRequest, actor: Actor, course_id: int) -> HttpResponse:
    course = access_course(actor, course_id, Action.PATIENT_VIEW)
    chairs = Chair.objects.filter(clinic_id=actor.membership.clinic_id, is_active=True)
    book_form = f.BookForm(
        chairs=chairs, initial={"date": timezone.localdate(), "time": dt.time(9, 0)}
    )
    session_list = list(
        course.sessions.select_related("appointment", "appointment__chair").order_by(
            "appointment__starts_at"
        )
    )
    held = [s for s in session_list if s.is_held]
    return render(
        request,
        "infusions/course.html",
        {
            "course": course,
            "patient": course.patient,
            "protocol": course.library_version.library().protocol(course.protocol_id),
            "sessions": session_list,
            "held_count": len(held),
            "book_form": book_form,
            "may_book": actor.may(Action.APPOINTMENT_BOOK),
            "may_plan": actor.may(Action.COURSE_PLAN),
        },
    )


@require_POST
@clinic_page
def course_status(request: HttpRequest, actor: Actor, course_id: int) -> HttpResponse:
    course = access_course(actor, course_id, Action.COURSE_PLAN)
    try:
        courses.course_transition(
            actor=actor,
            course=course,
            to_status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Course status changed.")
    return redirect("infusions-course", course_id=course.pk)


@clinic_page
def appointment_book(request: HttpRequest, actor: Actor, course_id: int) -> HttpResponse:
    course = access_course(actor, course_id, Action.APPOINTMENT_BOOK)
    chairs = list(Chair.objects.filter(clinic_id=actor.membership.clinic_id, is_active=True))
    form = f.BookForm(
        request.POST or None,
        chairs=chairs,
        initial={"date": timezone.localdate(), "time": dt.time(9, 0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts = dt.datetime.combine(
            data["date"], data["time"], tzinfo=timezone.get_current_timezone()
        )
        chair = next(c for c in chairs if str(c.pk) == data["chair"])
        try:
            appointment = scheduling.appointment_book(
                actor=actor,
                course=course,
                chair=chair,
                starts_at=starts,
                infusion_minutes=data["infusion_minutes"],
                back_entry_reason=data["back_entry_reason"],
                over_plan_reason=data["over_plan_reason"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "starts_at" in exc.error_dict:
                errors = exc.message_dict
                errors["time"] = errors.pop("starts_at")
                exc = ValidationError(errors)
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Booked {chair.name} at {starts:%Y-%m-%d %H:%M} "
                f"(session {appointment.session.number}).",
            )
            return redirect("infusions-course", course_id=course.pk)
    return render(
        request,
        "infusions/form.html",
        {"form": form, "title": "Book a session", "patient": course.patient, "course": course},
        status=422 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------------------- the session


@clinic_page
def session_page(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    # session_detail re-reads the session with everything the page needs; no joins here
    session = access_session(actor, session_id, Action.PATIENT_VIEW, related=())
    actor = actor.at_clinic(session.clinic_id)
    detail = selectors.session_detail(actor, session)
    state = detail.session.state
    slot_choices = [s.minute for s in detail.slots if s.reading is None and s.minute > 0]
    vitals_form = f.VitalsForm(
        slots=slot_choices,
        initial={"slot_minute": detail.next_slot.minute if detail.next_slot else None},
    )

    def can(step: Step, action: Action) -> bool:
        return allowed(step, state) and actor.may(action)

    return render(
        request,
        "infusions/session.html",
        {
            "d": detail,
            "session": detail.session,
            "patient": detail.patient,
            "vitals_form": vitals_form,
            "score_form": f.ScoreForm(),
            "chart_json": detail.chart,
            "now": timezone.now(),
            "can": {
                "check_in": can(Step.CHECK_IN, Action.SESSION_CHECK_IN),
                "correct_check_in": can(Step.CORRECT_CHECK_IN, Action.SESSION_CHECK_IN),
                "order": can(Step.ORDER, Action.ORDER_PLACE),
                "double_check": can(Step.DOUBLE_CHECK, Action.ORDER_DOUBLE_CHECK),
                "start": can(Step.START, Action.INFUSION_RUN),
                "pause": can(Step.PAUSE, Action.INFUSION_RUN),
                "resume": can(Step.RESUME, Action.INFUSION_RUN),
                "rate_change": can(Step.RATE_CHANGE, Action.INFUSION_RUN),
                "stop": can(Step.STOP, Action.INFUSION_RUN),
                "vitals": can(Step.VITALS, Action.INFUSION_RUN),
                "score": can(Step.SCORE, Action.INFUSION_RUN),
                "adverse_event": can(Step.ADVERSE_EVENT, Action.INFUSION_RUN),
                "discharge": can(Step.DISCHARGE, Action.DISCHARGE),
                "sign": can(Step.SIGN, Action.SESSION_SIGN),
                "addendum": can(Step.ADDENDUM, Action.ADDENDUM_WRITE),
                "cancel": can(Step.CANCEL, scheduling.cancel_action(state)),
                "no_show": can(Step.NO_SHOW, Action.APPOINTMENT_BOOK)
                and detail.session.appointment.starts_at <= timezone.now(),
                "withdraw": can(Step.WITHDRAW, Action.ORDER_PLACE),
                "waste": can(Step.WASTE, Action.SUBSTANCE_DISPENSE),
            },
            "withdraw_form": f.ReturnOrderForm(),
            "no_show_form": f.NoShowForm(),
            # the start logs the draw from a lot; an early stop wastes the remainder, witnessed
            "lots": (
                [b for b in lot_balances(actor) if not b.expired and b.balance_mg > 0]
                if allowed(Step.START, state) and actor.may(Action.SUBSTANCE_DISPENSE)
                else []
            ),
            # drawn, not given, not wasted: to be wasted before sign-off
            "outstanding_mg": (
                remainder_outstanding_mg(detail.session)
                if allowed(Step.WASTE, state) and actor.may(Action.SUBSTANCE_DISPENSE)
                else 0
            ),
            "is_mine_to_check": (
                detail.order is not None and detail.order.ordered_by_id != actor.user.pk
            ),
        },
    )


@clinic_page
def check_in(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.SESSION_CHECK_IN)
    actor = actor.at_clinic(session.clinic_id)
    scale = INDICATION_SCALE[session.course.indication]
    instrument = instruments.get_instrument(scale)
    needs_pregnancy = pregnancy_status_required(session.patient, timezone.localdate())
    protocol = sessions.session_protocol(session)
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
        return sessions.session_check_in(
            actor=actor,
            session=session,
            data=sessions.CheckInData(
                **data,
                override_reasons=form.override_reasons(),  # type: ignore[attr-defined]
                cosigner=cosigner_from_id(session.clinic, form.cleaned_data.get("cosigner")),
            ),
        )

    return _step_page(
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
    protocol = sessions.session_protocol(session)
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
            override_reasons=form.override_reasons(),  # type: ignore[attr-defined]
            cosigner=cosigner_from_id(session.clinic, data.get("cosigner")),
        )

    return _step_page(
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


@clinic_page
def order_page(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_PLACE)
    actor = actor.at_clinic(session.clinic_id)
    check_in_row = CheckIn.objects.filter(session=session).first()
    effective = effective_check_in(check_in_row) if check_in_row is not None else None
    protocol = sessions.session_protocol(session)
    gate_findings = effective.gate_findings() if effective is not None else []
    data = request.POST if request.method == "POST" else None
    proposal = {
        "dose": (data or {}).get("dose") or f"{protocol.default_dose.value.normalize():f}",
        "duration_min": (data or {}).get("duration_min")
        or f"{protocol.default_duration_min.value.normalize():f}",
        "concentration_mg_per_ml": (data or {}).get("concentration_mg_per_ml")
        or f"{protocol.concentrations_mg_per_ml[0].value.normalize():f}",
    }
    preview, preview_error = None, ""
    if check_in_row is not None and allowed(Step.ORDER, session.state):
        try:
            preview = orders.order_preview(session=session, check_in=check_in_row, **proposal)
        except ValidationError as exc:
            preview_error = " ".join(exc.messages)
    # the gate's findings need their reasons even when the dose check could not run
    soft_codes = preview.soft_codes if preview else [g.code for g in gate_findings]
    placing = request.method == "POST" and request.POST.get("intent") == "place"
    initial = {
        **proposal,
        **({k: v for k, v in data.items() if k.startswith("override_")} if data else {}),
    }
    form = f.OrderForm(
        data if placing else None,
        protocol=protocol,
        soft_codes=soft_codes,
        initial=initial,
    )
    if placing and form.is_valid():
        try:
            orders.order_place(
                actor=actor,
                session=session,
                dose=form.cleaned_data["dose"],
                duration_min=form.cleaned_data["duration_min"],
                concentration_mg_per_ml=form.cleaned_data["concentration_mg_per_ml"],
                override_reasons=form.override_reasons(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Order placed. A second clinician must double-check it.")
            return _session_page(session)
    return render(
        request,
        "infusions/order.html",
        {
            "form": form,
            "session": session,
            "patient": session.patient,
            "check_in": check_in_row,
            "effective": effective,
            "protocol": protocol,
            "preview": preview,
            "preview_error": preview_error,
            "pk_json": (
                pk_preview_figure(
                    preview.pk.times_min,
                    preview.pk.plasma_ug_per_ml,
                    preview.pk.effect_site_ug_per_ml,
                )
                if preview and preview.pk
                else None
            ),
            "gate_findings": gate_findings,
            "step_allowed": allowed(Step.ORDER, session.state),
            "age_y": sessions.age_years(session.patient.date_of_birth, timezone.localdate()),
        },
        status=422 if placing else 200,
    )


@clinic_page
def double_check(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_DOUBLE_CHECK)
    actor = actor.at_clinic(session.clinic_id)
    order = InfusionOrder.objects.filter(session=session).select_related("ordered_by").first()
    form = f.DoubleCheckForm(request.POST or None)
    if order is None or not order.overrides:
        del form.fields["cosign_overrides"]

    def save(form: forms.Form) -> object:
        return orders.order_double_check(
            actor=actor,
            session=session,
            rate_ml_per_h=form.cleaned_data["rate_ml_per_h"],
            vtbi_ml=form.cleaned_data["vtbi_ml"],
            cosign_overrides=form.cleaned_data.get("cosign_overrides", False),
        )

    return _step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Independent double check",
        done="Double check recorded; the infusion may start.",
        template="infusions/double_check.html",
        context={
            "order": order,
            "is_orderer": order is not None and order.ordered_by_id == actor.user.pk,
            "send_back_form": f.ReturnOrderForm(),
            "may_send_back": allowed(Step.SEND_BACK, session.state),
        },
    )


@require_POST
@clinic_page
def pump(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    form = f.PumpForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a pump action.")
        return _session_page(session)
    op, reason = form.cleaned_data["op"], form.cleaned_data["reason"]
    lot_id, witness_id = form.cleaned_data["lot"], form.cleaned_data["waste_witness"]
    lot = access_lot(actor, lot_id, Action.SUBSTANCE_DISPENSE) if lot_id else None
    witness = eligible_witnesses(actor.clinic).filter(pk=witness_id).first() if witness_id else None
    if witness_id and witness is None:
        messages.error(request, "The waste witness must be a physician or nurse of this clinic.")
        return _session_page(session)
    try:
        if op == "start":
            infusion.infusion_start(actor=actor, session=session, lot=lot)
        elif op == "pause":
            infusion.infusion_pause(actor=actor, session=session, reason=reason)
        elif op == "resume":
            infusion.infusion_resume(actor=actor, session=session, reason=reason)
        elif op == "rate_change":
            infusion.infusion_rate_change(
                actor=actor,
                session=session,
                rate_ml_per_h=form.cleaned_data["rate_ml_per_h"],
                reason=reason,
            )
        else:
            infusion.infusion_stop(
                actor=actor, session=session, reason=reason, waste_witness=witness
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            {
                "start": "Infusion started.",
                "pause": "Infusion paused.",
                "resume": "Infusion resumed.",
                "rate_change": "Rate changed.",
                "stop": "Infusion stopped; recovery has begun.",
            }[op],
        )
    return _session_page(session)


@require_POST
@clinic_page
def vitals(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    # the service locks and re-reads the session; the redirect needs only its pk
    session = access_session(actor, session_id, Action.INFUSION_RUN, related=())
    actor = actor.at_clinic(session.clinic_id)
    slot = request.POST.get("slot_minute") or "0"
    # a non-number is left to the form to reject (int() here was a 500)
    slots = [int(slot)] if slot.isdigit() else []
    form = f.VitalsForm(request.POST, slots=slots)
    if not form.is_valid():
        messages.error(
            request,
            "Vitals not saved: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
        )
        return _session_page(session)
    data = form.cleaned_data
    try:
        reading, created = infusion.vitals_record(
            actor=actor,
            session=session,
            slot_minute=data["slot_minute"],
            sbp=data["sbp"],
            dbp=data["dbp"],
            hr=data["hr"],
            rr=data["rr"],
            spo2=data["spo2"],
            idempotency_key=data["idempotency_key"] or None,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if reading.alerts:
            messages.error(request, "ALERT: " + " ".join(a["message"] for a in reading.alerts))
        messages.success(
            request,
            f"Vitals for {reading.slot_minute} min recorded." if created else "Already saved.",
        )
    return _session_page(session)


@require_POST
@clinic_page
def score(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    form = f.ScoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Score not saved: " + form.errors.as_text())
        return _session_page(session)
    try:
        result = infusion.score_record(
            actor=actor,
            session=session,
            kind=form.cleaned_data["kind"],
            answers=form.cleaned_data["answers"],
            level=form.cleaned_data["level"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Recorded {result.label}.")
    return _session_page(session)


@clinic_page
def adverse_event(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    form = f.AdverseEventForm(request.POST or None)
    return _step_page(
        request,
        actor,
        session,
        form,
        lambda form: infusion.adverse_event_record(
            actor=actor, session=session, **form.cleaned_data
        ),
        title="Adverse event",
        done="Adverse event recorded.",
    )


@clinic_page
def discharge(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.DISCHARGE)
    actor = actor.at_clinic(session.clinic_id)
    instrument = instruments.get_instrument("aldrete")
    data = request.POST if request.method == "POST" else None
    form = f.DischargeForm(data, instrument=instrument)
    findings: list[Any] = []
    if allowed(Step.DISCHARGE, session.state):
        answers = None
        escort = instructions = True
        if data is not None and form.is_valid():
            answers = form.aldrete_answers()
            escort = form.cleaned_data["escort_present"]
            instructions = form.cleaned_data["instructions_given"]
        findings = sessions.discharge_preview(
            session,
            aldrete_answers=answers,
            escort_present=escort,
            instructions_given=instructions,
        )
    # a criterion not met: a physician answers each finding and names the co-signer
    if findings and actor.may(Action.DISCHARGE_OVERRIDE):
        form = f.DischargeForm(
            data,
            instrument=instrument,
            soft_codes=[x.code for x in findings],
            cosigners=cosigner_choices(session.clinic, actor),
        )

    def save(form: forms.Form) -> object:
        assert isinstance(form, f.DischargeForm)
        return sessions.session_discharge(
            actor=actor,
            session=session,
            aldrete_answers=form.aldrete_answers(),
            escort_present=form.cleaned_data["escort_present"],
            instructions_given=form.cleaned_data["instructions_given"],
            override_reasons=form.override_reasons(),
            cosigner=cosigner_from_id(session.clinic, form.cleaned_data.get("cosigner")),
        )

    return _step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Discharge",
        done="Discharged. A physician signs the session.",
        template="infusions/discharge.html",
        context={
            "findings": [x.to_dict() for x in findings],
            "may_override": actor.may(Action.DISCHARGE_OVERRIDE),
            "protocol": sessions.order_protocol(session),
        },
    )


@clinic_page
def sign(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    """GET: the sign-off summary (ordered against delivered, duration, blood pressure, CADSS,
    adverse events, waste); POST: sign."""
    session = access_session(actor, session_id, Action.SESSION_SIGN)
    actor = actor.at_clinic(session.clinic_id)
    if request.method == "POST":
        try:
            sessions.session_sign(actor=actor, session=session)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("infusions-sign", session_id=session.pk)
        messages.success(request, "Session signed. It can no longer be changed; use addenda.")
        return _session_page(session)
    summary = selectors.session_summary(actor, session)
    return render(
        request,
        "infusions/sign.html",
        {
            "s": summary,
            "session": summary.session,
            "patient": summary.session.patient,
            "step_allowed": allowed(Step.SIGN, summary.session.state),
            "may_waste": allowed(Step.WASTE, summary.session.state)
            and actor.may(Action.SUBSTANCE_DISPENSE),
        },
    )


@clinic_page
def rate_change(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    """The rate change under the one soft-limit rule: the findings of the proposed rate are
    shown, a soft one asks for a reason and a co-signer, a hard one refuses."""
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    order = InfusionOrder.objects.filter(session=session).select_related("library_version").first()
    data = request.POST if request.method == "POST" else None
    events = list(SessionEvent.objects.filter(session=session))
    now = timezone.now()
    findings: list[Any] = []
    plan: dict[str, Any] = {}
    step_ok = order is not None and allowed(Step.RATE_CHANGE, session.state)
    if step_ok and data is not None and data.get("rate_ml_per_h"):
        try:
            rate = infusion.parse_rate(data["rate_ml_per_h"])
        except ValidationError:
            pass
        else:
            findings, plan = infusion.rate_change_review(order, events, rate, now)
    soft = [x.code for x in findings if x.severity == "soft"]
    form = f.RateChangeForm(
        data, soft_codes=soft, cosigners=cosigner_choices(session.clinic, actor)
    )
    if data is not None and form.is_valid():
        try:
            infusion.infusion_rate_change(
                actor=actor,
                session=session,
                rate_ml_per_h=form.cleaned_data["rate_ml_per_h"],
                reason=form.cleaned_data["reason"],
                override_reasons=form.override_reasons(),
                cosigner=cosigner_from_id(session.clinic, form.cleaned_data.get("cosigner")),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Rate changed.")
            return _session_page(session)
    return render(
        request,
        "infusions/rate_change.html",
        {
            "form": form,
            "session": session,
            "patient": session.patient,
            "order": order,
            "step_allowed": step_ok,
            "findings": [x.to_dict() for x in findings if x.severity != "ok"],
            "checks": [x.to_dict() for x in findings],
            "plan": plan,
            "delivery": session_delivery(order, events, now) if order else None,
            "current_rate": infusion.current_rate_ml_per_h(session, order) if order else None,
        },
        status=422 if data is not None else 200,
    )


@clinic_page
def stop(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    """Stop the infusion: the delivered volume and dose are shown; an early stop needs its reason
    and what happened; what was drawn but not given is wasted now (witness) or later."""
    session = access_session(actor, session_id, Action.INFUSION_RUN)
    actor = actor.at_clinic(session.clinic_id)
    order = InfusionOrder.objects.filter(session=session).select_related("library_version").first()
    drawn = SubstanceLogEntry.objects.filter(session=session, kind=EntryKind.DISPENSE).exists()
    witnesses = (
        list(eligible_witnesses(actor.clinic, exclude=actor.user))
        if drawn and actor.may(Action.SUBSTANCE_DISPENSE)
        else []
    )
    # an empty POST is a real submission here (a complete stop needs no field)
    form = f.StopForm(request.POST if request.method == "POST" else None, witnesses=witnesses)
    delivery = None
    complete = None
    if order is not None:
        delivery = session_delivery(
            order, SessionEvent.objects.filter(session=session), timezone.now()
        )
        complete = stop_is_complete(delivery.delivered_ml, order.volume_ml)

    def save(form: forms.Form) -> object:
        witness_id = form.cleaned_data.get("waste_witness")
        witness = (
            eligible_witnesses(actor.clinic).filter(pk=witness_id).first() if witness_id else None
        )
        return infusion.infusion_stop(
            actor=actor,
            session=session,
            stop_reason=form.cleaned_data["stop_reason"],
            reason=form.cleaned_data["reason"],
            waste_witness=witness,
        )

    return _step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Stop the infusion",
        done="Infusion stopped; recovery has begun.",
        template="infusions/stop.html",
        context={
            "order": order,
            "delivery": delivery,
            "complete": complete,
            "step_allowed": allowed(Step.STOP, session.state),
            "drawn": drawn,
        },
    )


@clinic_page
def waste(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    """Waste, witnessed, what was drawn for the session but not given (before sign-off)."""
    session = access_session(actor, session_id, Action.SUBSTANCE_DISPENSE)
    actor = actor.at_clinic(session.clinic_id)
    witnesses = list(eligible_witnesses(actor.clinic, exclude=actor.user))
    form = f.WasteForm(request.POST if request.method == "POST" else None, witnesses=witnesses)

    def save(form: forms.Form) -> object:
        witness_id = form.cleaned_data["witness"]
        witness = eligible_witnesses(actor.clinic).filter(pk=witness_id).first()
        return infusion.remainder_waste(actor=actor, session=session, witness=witness)

    return _step_page(
        request,
        actor,
        session,
        form,
        save,
        title="Waste the remainder",
        done="The remainder was wasted (witnessed).",
        template="infusions/waste.html",
        context={
            "outstanding_mg": remainder_outstanding_mg(session),
            "step_allowed": allowed(Step.WASTE, session.state),
        },
    )


@clinic_page
def addendum(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ADDENDUM_WRITE)
    actor = actor.at_clinic(session.clinic_id)
    form = f.AddendumForm(request.POST or None)
    return _step_page(
        request,
        actor,
        session,
        form,
        lambda form: sessions.addendum_write(
            actor=actor, session=session, text=form.cleaned_data["text"]
        ),
        title="Addendum",
        done="Addendum added.",
    )


@clinic_page
def appointment_cancel(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    # a checked-in session needs a nurse or physician: the service says so (403)
    session = access_session(actor, session_id, Action.APPOINTMENT_BOOK)
    actor = actor.at_clinic(session.clinic_id)
    form = f.CancelForm(request.POST or None)
    return _step_page(
        request,
        actor,
        session,
        form,
        lambda form: scheduling.appointment_cancel(
            actor=actor, appointment=session.appointment, reason=form.cleaned_data["reason"]
        ),
        title="Cancel the session",
        done="Session cancelled; the chair is free.",
    )


@clinic_page
def no_show(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.APPOINTMENT_BOOK)
    actor = actor.at_clinic(session.clinic_id)
    form = f.NoShowForm(request.POST or None)
    return _step_page(
        request,
        actor,
        session,
        form,
        lambda form: scheduling.session_no_show(
            actor=actor, session=session, note=form.cleaned_data["note"]
        ),
        title="The patient did not come",
        done="Recorded as a no-show; the chair is free.",
    )


@clinic_page
def order_send_back(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_DOUBLE_CHECK)
    actor = actor.at_clinic(session.clinic_id)
    form = f.ReturnOrderForm(request.POST or None)
    return _step_page(
        request,
        actor,
        session,
        form,
        lambda form: orders.order_send_back(
            actor=actor, session=session, reason=form.cleaned_data["reason"]
        ),
        title="Send the order back to the physician",
        done="Order sent back; the physician can place a new one.",
    )


@clinic_page
def order_withdraw(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = access_session(actor, session_id, Action.ORDER_PLACE)
    actor = actor.at_clinic(session.clinic_id)
    form = f.ReturnOrderForm(request.POST or None)
    return _step_page(
        request,
        actor,
        session,
        form,
        lambda form: orders.order_withdraw(
            actor=actor, session=session, reason=form.cleaned_data["reason"]
        ),
        title="Withdraw the order",
        done="Order withdrawn; a new order can be placed.",
    )
