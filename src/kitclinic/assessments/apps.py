from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "kitclinic.assessments"
    label = "assessments"
    verbose_name = "Assessments (measurement-based care)"
