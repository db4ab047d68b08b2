from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kitclinic.demo"
    label = "demo"
    verbose_name = "Demo data"
