"""The model guards judge a row by its state as stored, also for a row read back from the
database (whole, or with the state deferred): a signed session and an approved library version
refuse to be changed."""

from __future__ import annotations

import pytest

from kitclinic.infusions.models import DrugLibraryVersion, InfusionSession, SignedRecordError
from kitclinic.infusions.states import SessionState
from tests.infusions.helpers import advance

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("read", ["whole", "state deferred"])
def test_a_signed_session_read_from_the_database_refuses_a_change(world, session, read):
    signed = advance(world, session, SessionState.SIGNED)
    rows = InfusionSession.objects.filter(pk=signed.pk)
    row = rows.get() if read == "whole" else rows.only("id").get()
    row.state = SessionState.DISCHARGED
    with pytest.raises(SignedRecordError):
        row.save()
    with pytest.raises(SignedRecordError):
        row.delete()
    assert InfusionSession.objects.get(pk=signed.pk).state == SessionState.SIGNED


def test_a_session_not_signed_read_from_the_database_may_still_be_saved(world, session):
    row = InfusionSession.objects.only("id").get(pk=session.pk)
    row.state = SessionState.CANCELLED
    row.save(update_fields=["state"])
    assert InfusionSession.objects.get(pk=session.pk).state == SessionState.CANCELLED


def test_an_approved_version_read_from_the_database_refuses_a_change(library):
    row = DrugLibraryVersion.objects.get(pk=library.pk)
    row.data = {}
    with pytest.raises(ValueError, match="cannot be changed"):
        row.save()
    assert DrugLibraryVersion.objects.get(pk=library.pk).data == library.data
