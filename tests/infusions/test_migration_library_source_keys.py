"""Migration 0008 replaces the shipped default's old source labels in stored drug-library versions
by docs/sources.md keys, changes no figure, leaves a clinic's own labels alone and audits each
relabelled version on its organization's chain."""

from __future__ import annotations

import copy
import importlib
import json

import pytest
from django.db import migrations

from kitclinic.audit.integrity import verify
from kitclinic.audit.models import AuditEvent
from kitclinic.dosing import default_library, library_to_dict
from kitclinic.infusions.models import DrugLibraryVersion, LibraryStatus
from tests.support.migrations import run_migration_from

MIGRATION = importlib.import_module("kitclinic.infusions.migrations.0008_library_source_keys")


def _legacy(data):
    """The default library as versions installed before the relabelling hold it."""
    reverse = {path: (new, old) for path, (old, new) in MIGRATION._rows().items()}
    return MIGRATION.relabel(data, reverse)


def test_the_old_default_relabels_to_the_shipped_default_exactly():
    shipped = library_to_dict(default_library())
    legacy = _legacy(shipped)
    assert "clinical-workflow.md §11 L2" in json.dumps(legacy, ensure_ascii=False)
    relabelled = MIGRATION.relabel(legacy)
    assert relabelled == shipped
    text = json.dumps(relabelled, ensure_ascii=False)
    assert ".md" not in text and "§" not in text


def test_a_label_the_clinic_wrote_and_every_value_are_left_alone():
    legacy = _legacy(library_to_dict(default_library()))
    edited = copy.deepcopy(legacy)
    dose = edited["protocols"][0]["default_dose"]
    dose["source"] = {"kind": "clinic_setting", "reason": "our governance, 2027"}
    dose["value"] = "0.4"
    relabelled = MIGRATION.relabel(edited)
    assert relabelled["protocols"][0]["default_dose"] == dose
    assert (
        relabelled["protocols"][0]["dose_limits"]
        == (library_to_dict(default_library())["protocols"][0]["dose_limits"])
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_relabels_an_approved_version_and_audits_it(world):
    from kitclinic.infusions.services.library import library_install_default

    version = library_install_default(organization_id=world.clinic.organization_id)
    shipped = version.data
    legacy = _legacy(shipped)
    DrugLibraryVersion.objects.filter(pk=version.pk).update(data=legacy)  # as installed before
    run_migration_from("infusions", "0008_library_source_keys", first=migrations.RunPython)
    version.refresh_from_db()
    assert version.data == shipped
    assert version.status == LibraryStatus.APPROVED and version.number == 1
    event = AuditEvent.objects.get(
        object_type="infusions.druglibraryversion",
        object_id=str(version.pk),
        detail__contains="migration 0008",
    )
    assert event.actor_id is None and event.organization_id == world.clinic.organization_id
    assert all(report.intact for report in verify())
