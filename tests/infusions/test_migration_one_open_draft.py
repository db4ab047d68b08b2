"""Migration 0012 adds the one-open-draft constraint; an organization that already has several
open drafts stops it with a message naming them (which draft to keep is the clinic's decision),
and once the extra drafts are discarded the migration runs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kitclinic.infusions.models import DrugLibraryVersion

BEFORE = [("infusions", "0011_opening_hours")]


def _migrate(targets) -> None:  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_several_open_drafts_stop_the_migration_until_one_is_left(world, library):
    _migrate(BEFORE)
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
            _migrate(None)
        assert "Discard the drafts that are not needed" in str(caught.value)
        DrugLibraryVersion.objects.filter(number=3).update(status="discarded")
    finally:
        _migrate(None)
    assert DrugLibraryVersion.objects.filter(status="draft").count() == 1
