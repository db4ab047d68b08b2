from django.urls import path

from kitclinic.outcomes import views

urlpatterns = [
    path("outcomes/", views.dashboard, name="outcomes-dashboard"),
    path("outcomes/export.csv", views.dashboard_csv, name="outcomes-csv"),
    path("outcomes/labs/", views.labs_cohort, name="outcomes-labs"),
    path("outcomes/sheets/", views.sheet_list, name="outcomes-sheets"),
    path("outcomes/sheets/<str:indication>/", views.sheet_detail, name="outcomes-sheet"),
    path(
        "outcomes/sheets/<str:indication>/publish/",
        views.sheet_publish,
        name="outcomes-sheet-publish",
    ),
    path(
        "outcomes/sheet-versions/<int:version_id>/",
        views.sheet_version_html,
        name="outcomes-sheet-version",
    ),
    path(
        "outcomes/sheet-versions/<int:version_id>/pdf/",
        views.sheet_version_pdf,
        name="outcomes-sheet-version-pdf",
    ),
    path("patients/<int:patient_id>/labs/new/", views.lab_add, name="lab-add"),
    path("patients/<int:patient_id>/consent/new/", views.consent_add, name="consent-add"),
    path(
        "patients/<int:patient_id>/progress-report/",
        views.progress_report_page,
        name="progress-report-page",
    ),
    path(
        "patients/<int:patient_id>/progress-report.pdf",
        views.progress_report,
        name="progress-report",
    ),
]
