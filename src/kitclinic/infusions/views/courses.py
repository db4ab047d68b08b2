"""Treatment courses: plan, overview, status, and booking a session."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.decorators import clinic_page
from kitclinic.accounts.roles import Action
from kitclinic.infusions import forms as f
from kitclinic.infusions.access import access_course
from kitclinic.infusions.selectors.course import course_overview
from kitclinic.infusions.selectors.day import week_hours_text
from kitclinic.infusions.selectors.library import active_chairs, library_overview
from kitclinic.infusions.services import courses, scheduling
from kitclinic.infusions.states import COURSE_STATUS_CHOICES
from kitclinic.lib.forms import INVALID_FORM_STATUS, add_service_errors
from kitclinic.patients.access import access_patient


@clinic_page
def course_plan(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = access_patient(actor, patient_id, Action.COURSE_PLAN)
    overview = library_overview(actor)
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
        status=INVALID_FORM_STATUS if request.method == "POST" else 200,
    )


@clinic_page
def course_page(request: HttpRequest, actor: Actor, course_id: int) -> HttpResponse:
    course = access_course(actor, course_id, Action.PATIENT_VIEW)
    book_form = f.BookForm(chairs=active_chairs(actor), hours_text=week_hours_text(actor.clinic.pk))
    overview = course_overview(course)
    return render(
        request,
        "infusions/course.html",
        {
            "course": course,
            "patient": course.patient,
            "protocol": overview.protocol,
            "sessions": overview.sessions,
            "held_count": overview.held_count,
            "book_form": book_form,
            "may_book": actor.may(Action.APPOINTMENT_BOOK),
            "may_plan": actor.may(Action.COURSE_PLAN),
            # the protocol and the prescriber's notes are clinical; the bookings are not
            "clinical": actor.may(Action.CLINICAL_VIEW),
            "status_choices": COURSE_STATUS_CHOICES,
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
    form = f.BookForm(
        request.POST or None,
        chairs=active_chairs(actor),
        hours_text=week_hours_text(actor.clinic.pk),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts = form.starts_at()
        chair = form.chosen_chair()
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
        status=INVALID_FORM_STATUS if request.method == "POST" else 200,
    )
