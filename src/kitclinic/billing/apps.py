from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "kitclinic.billing"
    label = "billing"
    verbose_name = "Billing: fee schedules, Good Faith Estimates, superbills"
