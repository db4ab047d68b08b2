from django.urls import path

from kitclinic.api import views

app_name = "api"

urlpatterns = [
    path("patients/", views.PatientListCreateApi.as_view(), name="patient-list"),
]
