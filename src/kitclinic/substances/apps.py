from django.apps import AppConfig


class SubstancesConfig(AppConfig):
    name = "kitclinic.substances"
    label = "substances"
    verbose_name = "Controlled-substance log"
