"""The outcomes data path (callers import the submodule they need): one read of the organization's courses, infusions and ratings into
(patient, course, infusion number, time point, instrument, score) rows for ``outcome_stats``.

Read-only queries on the assessments and infusions tables (their models are not changed here):

1. courses of the organization (``TreatmentCourse``);
2. infusions given (``InfusionSession`` with a start time, not cancelled or a no-show), each marked complete
   or incomplete: a stopped session that delivered less than
   ``KITCLINIC_COMPLETE_INFUSION_MIN_SHARE`` of its ordered volume is incomplete (see
   ``kitclinic.infusions.delivery``; one still running is not judged yet and counts as given);
3. ratings (``Assessment``) on the instruments the engine knows;
4. per-session side-effect figures (adverse events, blood pressure, CADSS).

How a rating is placed (documented in docs/outcomes.md, "Dashboard"):

- **Course**: a patient's ratings belong to the course whose window holds them. A course's window
  opens when it is planned and closes when the patient's next course is planned; the first
  course's window also holds every earlier rating (screening), so a rating taken before the
  course was planned can still be its baseline.
- **Infusion number**: complete infusions of that course started before the rating (0 =
  baseline); an incomplete infusion is not counted (infusion 1 is the first complete one), and
  is shown separately in the side-effect figures, which count every infusion given.
- **Time point**: days since 1970-01-01 (UTC) of ``administered_at``; only order and differences
  matter to the engine.

On PostgreSQL the two large reads (ratings, infusions) come back as one comma-separated text per
query and are parsed by NumPy, which keeps 1,000,000 ratings at a fraction of a second; SQLite
reads ordinary rows. The result is held per process per organization and reused until a cheap
fingerprint query (largest ids and latest timestamps of the tables involved) shows a change.

- :mod:`~kitclinic.outcomes.data.tables`: the column tables and the constants they use;
- :mod:`~kitclinic.outcomes.data.reads`: the SQL reads into NumPy arrays;
- :mod:`~kitclinic.outcomes.data.placing`: ratings placed in courses, the engine's results as
  columns;
- :mod:`~kitclinic.outcomes.data.dataset`: the dataset built from the records, or read from the
  summaries and held per process.
"""
