"""Install the shipped default drug library as version 1, approved by the system, for every
organization that has none (new organizations get it from ``library_install_default``)."""

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db import migrations
from django.utils import timezone


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from kitclinic.dosing import default_library, library_to_dict

    Organization = apps.get_model("accounts", "Organization")
    Version = apps.get_model("infusions", "DrugLibraryVersion")
    data = library_to_dict(default_library())
    now = timezone.now()
    for org in Organization.objects.all():
        if not Version.objects.filter(organization=org).exists():
            Version.objects.create(
                organization=org,
                number=1,
                data=data,
                status="approved",
                change_note="Default library shipped with kitclinic, approved by the system.",
                created_at=now,
                approved_at=now,
            )


class Migration(migrations.Migration):
    dependencies = [("infusions", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
