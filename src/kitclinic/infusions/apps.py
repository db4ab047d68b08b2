from django.apps import AppConfig


class InfusionsConfig(AppConfig):
    name = "kitclinic.infusions"
    label = "infusions"
    verbose_name = "Infusions"
