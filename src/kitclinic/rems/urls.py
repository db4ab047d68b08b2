"""Pages of the esketamine REMS records (mounted at /rems/)."""

from django.urls import path

from kitclinic.rems import views

urlpatterns = [
    path("", views.rems_overview, name="rems-overview"),
    path("certification/", views.rems_certification, name="rems-certification"),
    path("enrolments/", views.rems_enrolments, name="rems-enrolments"),
    path("prescribers/enrol/", views.rems_prescriber_enrol, name="rems-prescriber-enrol"),
    path(
        "prescribers/<int:enrolment_id>/end/",
        views.rems_prescriber_end,
        name="rems-prescriber-end",
    ),
    path("patients/enrol/", views.rems_patient_enrol, name="rems-patient-enrol"),
    path("patients/<int:enrolment_id>/end/", views.rems_patient_end, name="rems-patient-end"),
    path("forms/<int:form_id>/", views.rems_form, name="rems-form"),
    path("report/", views.rems_report, name="rems-report"),
]
