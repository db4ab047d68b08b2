from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kitclinic.demo.people import DEMO_PASSWORD, DEMO_USERS
from kitclinic.demo.seed import demo_exists, seed_demo


class Command(BaseCommand):
    help = "Create the synthetic demo clinic (one organization, two clinics, a user per role, patients)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if data exists.")
        parser.add_argument(
            "--patients", type=int, default=200, help="Number of patients (default 200)."
        )

    def handle(self, *args: Any, if_empty: bool, patients: int, **options: Any) -> None:
        if patients < 0 or patients > 100_000:
            raise CommandError("--patients must be between 0 and 100000")
        if demo_exists():
            if if_empty:
                self.stdout.write("The database already has data; demo not loaded.")
                self._print_logins()
                return
            raise CommandError(
                "The database already has an organization; seed_demo needs an empty one."
            )
        seed_demo(patients=patients)
        self.stdout.write(
            self.style.SUCCESS(f"Demo clinic created with {patients} synthetic patients.")
        )
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, display in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {role.label:<24} {display}")
