from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "kitclinic.consent"
    label = "consent"
    verbose_name = "Information sheets and consent"
