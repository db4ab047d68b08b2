"""The demo seed: deterministic, synthetic throughout, one user per role."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from kitclinic.accounts.models import Clinic, Organization, StaffMembership, User
from kitclinic.accounts.roles import Role
from kitclinic.patients.models import Patient
from tests.patients.helpers import row_counts

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def _content() -> list[tuple]:
    return list(
        Patient.objects.order_by("mrn").values_list(
            "mrn", "family_name", "given_name", "date_of_birth", "sex_at_birth"
        )
    )


def _seed(patients: int = 20) -> str:
    out = StringIO()
    call_command("seed_demo", patients=patients, stdout=out)
    return out.getvalue()


def test_seed_is_deterministic():
    # The first run is rolled back, so the second starts from an empty database as well.
    with pytest.raises(_Rollback), transaction.atomic():
        _seed()
        first, first_counts = _content(), row_counts()
        raise _Rollback
    assert not Organization.objects.exists()
    _seed()
    assert _content() == first
    assert row_counts() == first_counts
    assert len(first) == 20
    assert len({mrn for mrn, *_ in first}) == 20


def test_seed_marks_everything_synthetic_and_creates_one_user_per_role():
    output = _seed()
    assert "20 synthetic patients" in output
    for model in (Organization, Clinic, User, Patient):
        assert model.objects.exists(), model
        assert not model.objects.filter(is_synthetic=False).exists(), model
    assert Patient.objects.count() == 20
    roles = sorted(StaffMembership.objects.values_list("role", flat=True).distinct())
    assert roles == sorted(r.value for r in Role)
    for role in Role:
        assert User.objects.filter(memberships__role=role.value).distinct().count() == 1, role


def test_seed_with_if_empty_does_nothing_the_second_time():
    _seed()
    before = (row_counts(), User.objects.count(), StaffMembership.objects.count())
    out = StringIO()
    call_command("seed_demo", "--if-empty", patients=20, stdout=out)
    assert "demo not loaded" in out.getvalue()
    assert (row_counts(), User.objects.count(), StaffMembership.objects.count()) == before


def test_seed_refuses_a_database_with_data_without_if_empty():
    _seed(patients=1)
    with pytest.raises(CommandError, match="empty"):
        _seed(patients=1)
    assert Organization.objects.count() == 1


def test_negative_patient_count_is_refused():
    with pytest.raises(CommandError, match="--patients"):
        call_command("seed_demo", "--patients", "-1")
    assert not Organization.objects.exists()
