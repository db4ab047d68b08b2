from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import Count


def refuse_several_open_drafts(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Stop with a plain message rather than a bare integrity error when an organization has
    more than one open draft: which one to keep is the clinic's decision, not the migration's."""
    version = apps.get_model("infusions", "DrugLibraryVersion")
    several = (
        version.objects.filter(status="draft")
        .values("organization_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    if several:
        names = "; ".join(
            "organization {}: drafts v{}".format(
                row["organization_id"],
                ", v".join(
                    str(n)
                    for n in version.objects.filter(
                        organization_id=row["organization_id"], status="draft"
                    )
                    .order_by("number")
                    .values_list("number", flat=True)
                ),
            )
            for row in several
        )
        raise RuntimeError(
            "Only one drug-library draft may be open per organization. Discard the drafts "
            f"that are not needed on the drug library page, then migrate again ({names})."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("infusions", "0011_opening_hours"),
    ]

    operations = [
        migrations.RunPython(refuse_several_open_drafts, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="druglibraryversion",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "draft")),
                fields=("organization",),
                name="one_open_library_draft_per_org",
            ),
        ),
    ]
