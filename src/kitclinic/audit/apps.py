from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kitclinic.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from kitclinic.audit import signals  # noqa: F401  (connects the auth receivers)
