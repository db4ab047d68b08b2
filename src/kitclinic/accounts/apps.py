from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kitclinic.accounts"
    label = "accounts"
    verbose_name = "Organizations, clinics and staff"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kitclinic.accounts import middleware

        # after the password: the second-factor step this session must pass
        user_logged_in.connect(middleware.second_factor_step_begin, dispatch_uid="second_factor")

        # log-in, log-out and failed log-ins to the audit trail (after the step above)
        from kitclinic.accounts import signals  # noqa: F401
