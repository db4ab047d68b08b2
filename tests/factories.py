"""factory_boy factories shared by the Django tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from kitclinic.accounts.models import Clinic, Organization, StaffMembership, User
from kitclinic.intake import identity
from kitclinic.patients.models import Patient
from tests.support.personas import PASSWORD


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Clinic {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = "nurse"


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    home_clinic = factory.SubFactory(ClinicFactory)
    organization = factory.LazyAttribute(lambda o: o.home_clinic.organization)
    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    given_name = "Alex"
    family_name_key = factory.LazyAttribute(lambda o: o.family_name.lower())
    given_name_key = factory.LazyAttribute(lambda o: o.given_name.lower())
    name_match_key = factory.LazyAttribute(lambda o: identity.name_key(o.family_name, o.given_name))
    date_of_birth = dt.date(1980, 5, 17)
    sex_at_birth = "female"
    created_at = factory.LazyFunction(timezone.now)


def api_token_for(user: User, *, scope: str = "write", days: int | None = None) -> str:
    """A new API token of ``user`` (created through the service, audited), as sent by a client."""
    from django.db import transaction

    from kitclinic.accounts.tokens import api_token_create

    with transaction.atomic():
        _token, secret = api_token_create(user=user, name="test client", scope=scope, days=days)
    return secret
