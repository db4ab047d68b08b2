"""Published figures the patient information sheet may show, each with its citation.

Every figure here was checked in the publication's own abstract or text (or a PubMed, PMC, publisher
or institutional copy of it); each study's source key is in docs/sources.md, section 8. Numbers
known only from secondary copies, or not confirmed, may not appear: tests/outcomes/test_sheets.py
renders every sheet and looks for each of them. Findings whose citation is still "to be identified
before display" (the Taiwan SI trial) are left out. Changing this package changes
``EVIDENCE_VERSION``'s content hash, so a physician must publish a new sheet version before patients
see it.

- :mod:`~kitclinic.outcomes.evidence.references`: the publications cited, as in docs/sources.md;
- :mod:`~kitclinic.outcomes.evidence.figures`: the findings in plain words, by indication and
  topic, and the sheet's fixed wording about trials and side effects;
- :mod:`~kitclinic.outcomes.evidence.inflammation`: the clinician-facing inflammation findings;
- :mod:`~kitclinic.outcomes.evidence.version`: ``EVIDENCE_VERSION``, the content hash of all of it.
"""
