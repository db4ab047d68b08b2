"""Personas shared by the Django tests: one user per role at clinic A of organization A, and a
physician of another organization (whose objects must be 404 to everyone in A)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, StaffMembership, User
from kitclinic.accounts.roles import Role

# Hypothesis: the same examples on every machine and every run (derandomized), and no timing
# checks: how long a draw or an example takes depends on the machine's load, and performance is
# measured by the benchmarks, never by tests. `--hypothesis-profile=explore` searches at random.
settings.register_profile(
    "kitclinic",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("explore", parent=settings.get_profile("kitclinic"), derandomize=False)
settings.load_profile("kitclinic")


def _flush_in_maintenance() -> None:
    """Django's test flush (transactional tests) empties every table, signed records included:
    it runs in the database guards' maintenance mode (kitclinic.operations.guards), the one path
    the test set-up takes around them."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from kitclinic.operations.guards import maintenance_sql

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):  # type: ignore[no-untyped-def]
        vendor = self.connection.vendor
        statements = [*maintenance_sql(vendor, True), *sql_list, *maintenance_sql(vendor, False)]
        return original(self, statements)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]


_flush_in_maintenance()


@pytest.fixture(autouse=True)
def _second_factor_counts_as_passed(request, monkeypatch):  # type: ignore[no-untyped-def]
    """A log-in in a test needs no second-factor step (as if it were passed), so that every other
    test logs its personas in with a password or ``force_login``; tests marked ``second_factor``
    take the real step. Only the test suite does this: nothing in the project skips the step."""
    if request.node.get_closest_marker("second_factor") is None:
        monkeypatch.setattr("kitclinic.accounts.second_factor.step_at_login", lambda user: None)


PASSWORD = "correct-horse-battery"
ROLES = [r.value for r in Role]


@dataclass
class World:
    clinic: Clinic
    other_clinic: Clinic
    users: dict[str, User]  # role value -> user; "other_org" -> physician of another organization
    memberships: dict[str, StaffMembership]

    def actor(self, persona: str) -> Actor:
        return Actor(user=self.users[persona], membership=self.memberships[persona])

    def sister_clinic(self) -> Clinic:
        """Southside: a second clinic of the same organization (made on first use)."""
        from tests.factories import ClinicFactory

        found = Clinic.objects.filter(organization=self.clinic.organization, name="Southside")
        return found.first() or ClinicFactory(
            name="Southside", organization=self.clinic.organization
        )

    def elsewhere(self, role: Role | str) -> str:
        """The persona of a user whose one role, ``role``, is at Southside (made on first use):
        inside the organization, but with no role at Northside, where the shared objects are."""
        from tests.factories import MembershipFactory, UserFactory

        persona = f"elsewhere_{Role(role).value}"
        if persona not in self.users:
            user = UserFactory(username=persona)
            self.users[persona] = user
            self.memberships[persona] = MembershipFactory(
                user=user, clinic=self.sister_clinic(), role=Role(role).value
            )
        return persona


@pytest.fixture
def world(db) -> World:
    from tests.factories import ClinicFactory, MembershipFactory, UserFactory

    clinic = ClinicFactory(name="Northside")
    other_clinic = ClinicFactory(name="Elsewhere")
    users: dict[str, User] = {}
    memberships: dict[str, StaffMembership] = {}
    for role in ROLES:
        user = UserFactory(username=role)
        users[role] = user
        memberships[role] = MembershipFactory(user=user, clinic=clinic, role=role)
    outsider = UserFactory(username="other_org")
    users["other_org"] = outsider
    memberships["other_org"] = MembershipFactory(
        user=outsider, clinic=other_clinic, role="physician"
    )
    return World(clinic=clinic, other_clinic=other_clinic, users=users, memberships=memberships)


@pytest.fixture
def patient(world):
    from tests.factories import PatientFactory

    return PatientFactory(home_clinic=world.clinic, family_name="Rivera", given_name="Sam")


@pytest.fixture
def other_org_patient(world):
    from tests.factories import PatientFactory

    return PatientFactory(home_clinic=world.other_clinic, family_name="Outsider", given_name="Olga")
