from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kitclinic.accounts.models import Organization
from kitclinic.outcomes import summary
from kitclinic.outcomes.data import dataset


class Command(BaseCommand):
    help = (
        "Recompute the per-course outcome summaries the dashboard reads (after a bulk load or an "
        "edit of existing records outside the services)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", help="Slug of one organization (default: all).")

    def handle(self, *args: Any, organization: str | None = None, **options: Any) -> None:
        orgs = Organization.objects.order_by("pk")
        if organization:
            orgs = orgs.filter(slug=organization)
            if not orgs.exists():
                raise CommandError(f"No organization with slug {organization!r}.")
        count = 0
        for org in orgs:
            summary.rebuild(org.pk)
            count += 1
        dataset.forget()
        self.stdout.write(f"Outcome summaries rebuilt for {count} organization(s).")
