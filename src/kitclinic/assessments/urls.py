"""Pages of the assessments app, included from kitclinic.pages.urls."""

from django.urls import path

from kitclinic.assessments import views

urlpatterns = [
    path(
        "patients/<int:patient_id>/assessments/new/",
        views.assessment_record,
        name="assessment-record",
    ),
    path(
        "patients/<int:patient_id>/self-report-links/new/",
        views.link_issue,
        name="self-report-link-issue",
    ),
    path("patients/<int:patient_id>/kiosk/new/", views.kiosk_start, name="kiosk-start"),
    path(
        "patients/<int:patient_id>/assessment-schedule/",
        views.schedule_set,
        name="assessment-schedule",
    ),
    path("alerts/", views.alert_queue, name="alert-queue"),
    path("alerts/count/", views.alert_count, name="alert-count"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("r/<str:token>/", views.self_report, name="self-report"),
    path("kiosk/done/", views.kiosk_done, name="kiosk-done"),
    path("kiosk/<str:token>/", views.kiosk, name="kiosk"),
]
