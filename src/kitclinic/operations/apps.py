from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "kitclinic.operations"
    label = "operations"
    verbose_name = "Operations"
