"""The indications' labels as the outcomes pages, sheets and breakdowns show them."""

from __future__ import annotations

from kitclinic.intake.eligibility import Indication

INDICATION_LABELS: dict[str, str] = dict(Indication.choices())
