from django.apps import AppConfig


class RemsConfig(AppConfig):
    name = "kitclinic.rems"
    label = "rems"
    verbose_name = "Esketamine REMS"
