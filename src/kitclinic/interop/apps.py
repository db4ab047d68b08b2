from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "kitclinic.interop"
    label = "interop"
    verbose_name = "FHIR R4 export and import"
