from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "kitclinic.patients"
    label = "patients"
    verbose_name = "Patients and intake"
