from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "kitclinic.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes, lab markers, information sheets and consent"
