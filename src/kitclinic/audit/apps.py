from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kitclinic.audit"
    label = "audit"
    verbose_name = "Audit trail"
