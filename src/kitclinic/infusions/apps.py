from django.apps import AppConfig


class InfusionsConfig(AppConfig):
    name = "kitclinic.infusions"
    label = "infusions"
    verbose_name = "Infusions"

    def ready(self) -> None:
        # The controlled-substance log, a layer below, asks this app about its sessions.
        from kitclinic.infusions.substance_sessions import InfusionSessions
        from kitclinic.substances.sessions import register_session_source

        register_session_source(InfusionSessions())
