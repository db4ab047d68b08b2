from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _afternoon(afternoon_clock):  # type: ignore[no-untyped-def]
    """Esketamine sessions are signed back-dated (two hours of observation after the last
    device) and reports and forms are dated today: one calendar day for both, whatever the hour
    the suite runs at."""
