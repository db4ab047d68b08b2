from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kitclinic.web"
    label = "web"
    verbose_name = "Web pages"
