"""The personas: one user per role at clinic Northside of one organization, and a physician of
another organization (whose objects must be 404 to everyone in the first)."""

from __future__ import annotations

from dataclasses import dataclass

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, StaffMembership, User
from kitclinic.accounts.roles import Role

# Every persona's password (tests/factories.py sets it on each user it makes).
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


def build_world() -> World:
    """Northside with one user per role, and Elsewhere (another organization) with a physician."""
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
