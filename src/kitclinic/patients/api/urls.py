"""URLs of the patients API (under /api/v1/, namespace ``api``): patients, their clinical
history, contraindication screens and eligibility."""

from django.urls import path

from kitclinic.lib.api.base import endpoint
from kitclinic.patients.api import allergies, intake, views

PATIENT = "patients/<int:patient_id>/"

urlpatterns = [
    path(
        "patients/",
        endpoint("PatientsApi", views.PatientListApi, views.PatientCreateApi).as_view(),
        name="patient-list",
    ),
    path(
        PATIENT,
        endpoint(
            "PatientApi",
            views.PatientRetrieveApi,
            views.PatientUpdateApi,
            views.PatientPartialUpdateApi,
        ).as_view(),
        name="patient-detail",
    ),
    path(PATIENT + "episode/", views.EpisodeUpdateApi.as_view(), name="patient-episode"),
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
        PATIENT + "allergies/",
        endpoint("AllergiesApi", allergies.AllergyListApi, allergies.AllergyCreateApi).as_view(),
        name="allergy-list",
    ),
    path(
        PATIENT + "allergies/<int:allergy_id>/status/",
        allergies.AllergyStatusChangeApi.as_view(),
        name="allergy-status",
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
        intake.ContraindicationCatalogueRetrieveApi.as_view(),
        name="contraindication-list",
    ),
]
