"""The clinic's own response and remission rates for a patient information sheet, withheld
below ``WITHHOLD_BELOW_N`` courses and for a demonstration clinic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from kitclinic.accounts.models import Organization
from kitclinic.outcome_stats import DEFAULT_REMISSION_CUTOFFS, Proportion
from kitclinic.outcomes.data.dataset import dataset_for
from kitclinic.outcomes.selectors.dashboard import OutcomeFilter, course_mask, course_rate

# Minimum number of included courses before the clinic's own rates are shown to patients.
WITHHOLD_BELOW_N = 20


@dataclass(frozen=True)
class ClinicResults:
    """The clinic's own rates for a patient sheet: shown only with N >= WITHHOLD_BELOW_N."""

    indication: str
    instrument_label: str
    n: int
    response: Proportion | None
    remission: Proportion | None
    withheld: bool
    reason: str = ""
    as_of: dt.date = field(default_factory=timezone.localdate)


SHEET_INSTRUMENT = {"depression": "phq9", "anxiety": "gad7", "ptsd": "phq9", "chronic_pain": ""}


def clinic_results(organization_id: int, indication: str) -> ClinicResults:
    """Response and remission over the organization's courses for ``indication`` on the sheet's
    instrument, withheld when fewer than ``WITHHOLD_BELOW_N`` courses can be counted."""
    instrument = SHEET_INSTRUMENT.get(indication, "")
    if not instrument:
        return ClinicResults(
            indication,
            "",
            0,
            None,
            None,
            True,
            "We do not yet record pain outcomes in a way this sheet can count.",
        )
    label = DEFAULT_REMISSION_CUTOFFS[instrument].label
    if Organization.objects.filter(pk=organization_id, is_synthetic=True).exists():
        # The demo clinic's records are invented: no figure from them goes on a patient sheet.
        return ClinicResults(
            indication,
            label,
            0,
            None,
            None,
            True,
            "This is a demonstration clinic with made-up records, so it has no results of its "
            "own to show.",
        )
    ds = dataset_for(organization_id)
    rate = course_rate(
        "",
        ds,
        course_mask(ds, OutcomeFilter(instrument, indication))[ds.outcomes.course_index]
        & (ds.outcomes.instrument == instrument),
    )
    if rate.n < WITHHOLD_BELOW_N:
        return ClinicResults(
            indication,
            label,
            rate.n,
            None,
            None,
            True,
            (
                f"So far {rate.n} finished course{'s' if rate.n != 1 else ''} at our clinic "
                f"{'has' if rate.n == 1 else 'have'} {label} scores to count"
                if rate.n
                else f"We have no finished courses with {label} scores to count yet"
            )
            + f". We show our own results once we can count at least {WITHHOLD_BELOW_N}, "
            "because figures from fewer people are too uncertain to help you decide.",
        )
    return ClinicResults(indication, label, rate.n, rate.response, rate.remission, False)
