from django.urls import path

from kitclinic.patients import views

urlpatterns = [
    path("patients/", views.patient_list, name="patient-list"),
    path("patients/new/", views.patient_register, name="patient-register"),
    path("patients/<int:patient_id>/edit/", views.patient_edit, name="patient-edit"),
    path("patients/<int:patient_id>/episode/", views.episode_edit, name="episode-edit"),
    path(
        "patients/<int:patient_id>/diagnoses/new/",
        views.diagnosis_add,
        name="diagnosis-add",
    ),
    path("patients/<int:patient_id>/trials/new/", views.trial_add, name="trial-add"),
    path("patients/<int:patient_id>/allergies/new/", views.allergy_add, name="allergy-add"),
    path(
        "patients/<int:patient_id>/allergies/<int:allergy_id>/status/",
        views.allergy_status,
        name="allergy-status",
    ),
    path("patients/<int:patient_id>/screen/new/", views.screen_record, name="screen-record"),
    path(
        "patients/<int:patient_id>/eligibility/new/",
        views.eligibility_decide,
        name="eligibility-decide",
    ),
]
