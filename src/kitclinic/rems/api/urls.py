"""URLs of the esketamine REMS API (mounted at /api/v1/rems/)."""

from django.urls import path

from kitclinic.lib.api.base import endpoint
from kitclinic.rems.api import views as api

app_name = "rems-api"

urlpatterns = [
    path(
        "prescriber-enrolments/",
        endpoint(
            "PrescriberEnrolmentsApi",
            api.PrescriberEnrolmentListApi,
            api.PrescriberEnrolmentCreateApi,
        ).as_view(),
        name="prescriber-enrolments",
    ),
    path(
        "prescriber-enrolments/<int:enrolment_id>/end/",
        api.PrescriberEnrolmentRevokeApi.as_view(),
        name="prescriber-enrolment-end",
    ),
    path(
        "patient-enrolments/",
        endpoint(
            "PatientEnrolmentsApi", api.PatientEnrolmentListApi, api.PatientEnrolmentCreateApi
        ).as_view(),
        name="patient-enrolments",
    ),
    path(
        "patient-enrolments/<int:enrolment_id>/end/",
        api.PatientEnrolmentRevokeApi.as_view(),
        name="patient-enrolment-end",
    ),
    path("forms/", api.FormListApi.as_view(), name="form-list"),
    path("forms/<int:form_id>/", api.FormRetrieveApi.as_view(), name="form-detail"),
    path(
        "forms/<int:form_id>/submission/", api.FormSubmissionRecordApi.as_view(), name="form-submit"
    ),
    path("report/", api.ReportRetrieveApi.as_view(), name="report"),
]
