"""The engine's remission table restates the instrument registry's remission rules (both from
the sources in docs/sources.md); this keeps the two from drifting apart."""

from __future__ import annotations

import pytest

from kitclinic.instruments import get_instrument, maximum_total
from kitclinic.outcome_stats.cutoffs import DEFAULT_REMISSION_CUTOFFS


@pytest.mark.parametrize("key", sorted(DEFAULT_REMISSION_CUTOFFS))
def test_default_cutoff_matches_the_instrument_registry(key):
    cutoff = DEFAULT_REMISSION_CUTOFFS[key]
    # The registry spells it "qids-sr16", the engine "qids_sr16".
    instrument = get_instrument(key.replace("_", "-"))
    assert instrument.remission is not None
    assert cutoff.threshold == instrument.remission.threshold
    assert cutoff.inclusive == (instrument.remission.comparison == "<=")
    assert cutoff.score_max == maximum_total(instrument)
