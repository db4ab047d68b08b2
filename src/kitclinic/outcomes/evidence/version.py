"""The evidence's version: a content hash of every figure, citation and fixed wording the
sheets show, so that a change asks a physician to publish a new sheet version."""

from __future__ import annotations

import hashlib
from dataclasses import asdict

from kitclinic.outcomes.evidence import plain
from kitclinic.outcomes.evidence.figures import FIGURES, SIDE_EFFECT_SUMMARY, TRIAL_CAVEAT
from kitclinic.outcomes.evidence.references import REFERENCES
from kitclinic.outcomes.evidence.response import RESPONSE_RATES


def _digest() -> str:
    payload = repr(
        (
            [asdict(f) for f in FIGURES],
            [asdict(r) for r in REFERENCES.values()],
            [asdict(r) for r in RESPONSE_RATES],
            TRIAL_CAVEAT,
            SIDE_EFFECT_SUMMARY,
            [plain.summary_for(i) for i in plain.OUTLOOK],
        )
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


# Changes whenever any figure, citation or fixed wording changes.
EVIDENCE_VERSION = f"evidence-{_digest()}"
