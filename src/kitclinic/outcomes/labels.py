"""The labels the outcomes pages, sheets and breakdowns show for indications and rating scales."""

from __future__ import annotations

from kitclinic.intake.eligibility import Indication
from kitclinic.outcome_stats import DEFAULT_REMISSION_CUTOFFS

INDICATION_LABELS: dict[str, str] = dict(Indication.choices())
# The scales the outcome engine counts (its keys), in the order the pages offer them.
SCALE_LABELS: dict[str, str] = {
    key: DEFAULT_REMISSION_CUTOFFS[key].label for key in ("phq9", "qids_sr16", "madrs", "gad7")
}
