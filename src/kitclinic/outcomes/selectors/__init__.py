"""Reading outcomes; callers import the part they read:

- :mod:`~kitclinic.outcomes.selectors.dashboard`: the clinic dashboard's figures;
- :mod:`~kitclinic.outcomes.selectors.clinic_results`: the clinic's own rates on a patient sheet;
- :mod:`~kitclinic.outcomes.selectors.labs`: inflammatory markers against outcomes.

Every figure comes from ``kitclinic.outcome_stats`` (per-course outcomes, Wilson intervals,
Kaplan–Meier) over the rows built in :mod:`kitclinic.outcomes.data`, and carries its N.
"""

from __future__ import annotations
