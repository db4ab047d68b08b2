"""API v1 routes of the assessments app, included under /api/v1/ by kitclinic.config.urls."""

from django.urls import path

from kitclinic.assessments.api import views as api
from kitclinic.lib.api.base import endpoint

PATIENT = "patients/<int:patient_id>/"

urlpatterns = [
    path(
        PATIENT + "assessments/",
        endpoint("AssessmentsApi", api.AssessmentListApi, api.AssessmentCreateApi).as_view(),
        name="api-assessment-list",
    ),
    path(PATIENT + "self-report-links/", api.LinkIssueApi.as_view(), name="api-link-issue"),
    path("alerts/", api.AlertListApi.as_view(), name="api-alert-list"),
    path(
        "alerts/<int:alert_id>/acknowledge/",
        api.AlertAcknowledgeApi.as_view(),
        name="api-alert-acknowledge",
    ),
]
