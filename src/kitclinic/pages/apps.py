from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "kitclinic.pages"
    label = "pages"
    verbose_name = "Pages that compose several apps"
