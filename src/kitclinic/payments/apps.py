from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "kitclinic.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # A signed session draws one unit of the patient's prepaid package: the infusions app,
        # a layer below, calls the listener registered here when a session is signed.
        from kitclinic.infusions.services.sessions.signoff import on_session_signed
        from kitclinic.payments.services.packages import draw_for_signed_session

        on_session_signed(draw_for_signed_session)
