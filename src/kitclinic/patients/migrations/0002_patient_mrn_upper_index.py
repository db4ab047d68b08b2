"""Index UPPER(mrn) per organization, so patient search never reads the whole patient table.

``patient_search`` ORs ``mrn__iexact`` (SQL: ``UPPER(mrn) = UPPER(%s)``) with the name-prefix
conditions. With no index on ``UPPER(mrn)`` PostgreSQL cannot combine index scans for the OR
and falls back to a sequential scan of every patient: 33–45 ms of the query alone at 100,000
patients, whatever was typed (EXPLAIN ANALYZE in docs/benchmarks.md, "web"). With this index the
three conditions become one BitmapOr of three index scans (0.1 ms for an MRN or "family, given",
17 ms for a three-letter prefix matching 9,000 patients).

Raw SQL without a model-state change keeps the model's declared indexes as they are; both
PostgreSQL and SQLite (3.9+) accept the expression index.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX patient_org_mrn_upper ON patients_patient (organization_id, UPPER(mrn))",
            reverse_sql="DROP INDEX patient_org_mrn_upper",
        )
    ]
