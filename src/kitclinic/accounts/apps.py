from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kitclinic.accounts"
    label = "accounts"
    verbose_name = "Organizations, clinics and staff"
