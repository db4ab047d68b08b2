"""Migration 0012 adds the one-open-draft constraint; an organization that already has several
open drafts stops it with a message naming them (which draft to keep is the clinic's decision),
and once the extra drafts are discarded the migration runs."""

from __future__ import annotations

import pytest
from django.db import migrations
from django.utils import timezone

from kitclinic.infusions.models import DrugLibraryVersion
from tests.support.migrations import (
    constraint_present,
    drop_constraint,
    restore_constraint,
    run_migration_from,
)

MIGRATION = ("infusions", "0012_one_open_library_draft")
CONSTRAINT = "one_open_library_draft_per_org"


@pytest.mark.django_db(transaction=True)
def test_several_open_drafts_stop_the_migration_until_one_is_left(world, library):
    drop_constraint(DrugLibraryVersion, CONSTRAINT)  # the database as it was before 0012
    try:
        for number in (2, 3):
            DrugLibraryVersion.objects.create(
                organization_id=library.organization_id,
                number=number,
                data=library.data,
                status="draft",
                created_at=timezone.now(),
            )
        with pytest.raises(RuntimeError, match=r"drafts v2, v3\)") as caught:
            run_migration_from(*MIGRATION, first=migrations.RunPython)
        assert "Discard the drafts that are not needed" in str(caught.value)
        assert not constraint_present(DrugLibraryVersion, CONSTRAINT)  # the refusal added nothing
        DrugLibraryVersion.objects.filter(number=3).update(status="discarded")
        run_migration_from(*MIGRATION, first=migrations.RunPython)
        assert constraint_present(DrugLibraryVersion, CONSTRAINT)
    finally:
        restore_constraint(DrugLibraryVersion, CONSTRAINT)
    assert DrugLibraryVersion.objects.filter(status="draft").count() == 1
