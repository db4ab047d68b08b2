"""URLs of the REST API v1 (mounted at /api/v1/). Each operation is its own class; URLs that
serve several methods join them with ``endpoint``."""

from django.urls import path

from kitclinic.api import accounts, audit, intake, patients, tokens
from kitclinic.api.base import endpoint

app_name = "api"

PATIENT = "patients/<int:patient_id>/"

urlpatterns = [
    path("me/", accounts.MeApi.as_view(), name="me"),
    path(
        "api-tokens/",
        endpoint("ApiTokensApi", tokens.ApiTokenListApi, tokens.ApiTokenCreateApi).as_view(),
        name="api-token-list",
    ),
    path(
        "api-tokens/<int:token_id>/revoke/",
        tokens.ApiTokenRevokeApi.as_view(),
        name="api-token-revoke",
    ),
    path(
        "patients/",
        endpoint("PatientsApi", patients.PatientListApi, patients.PatientCreateApi).as_view(),
        name="patient-list",
    ),
    path(
        PATIENT,
        endpoint(
            "PatientApi",
            patients.PatientRetrieveApi,
            patients.PatientUpdateApi,
            patients.PatientPartialUpdateApi,
        ).as_view(),
        name="patient-detail",
    ),
    path(PATIENT + "episode/", patients.EpisodeUpdateApi.as_view(), name="patient-episode"),
    path(
        PATIENT + "diagnoses/",
        endpoint("DiagnosesApi", intake.DiagnosisListApi, intake.DiagnosisCreateApi).as_view(),
        name="diagnosis-list",
    ),
    path(
        PATIENT + "trials/",
        endpoint("TrialsApi", intake.TrialListApi, intake.TrialCreateApi).as_view(),
        name="trial-list",
    ),
    path(
        PATIENT + "screens/",
        endpoint("ScreensApi", intake.ScreenListApi, intake.ScreenCreateApi).as_view(),
        name="screen-list",
    ),
    path(
        PATIENT + "eligibility-decisions/",
        endpoint(
            "EligibilityDecisionsApi", intake.EligibilityListApi, intake.EligibilityCreateApi
        ).as_view(),
        name="eligibility-list",
    ),
    path(
        "contraindications/",
        intake.ContraindicationCatalogueApi.as_view(),
        name="contraindication-list",
    ),
    path("audit-events/", audit.AuditEventListApi.as_view(), name="audit-event-list"),
]
