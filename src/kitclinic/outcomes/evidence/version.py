"""The evidence's version: a content hash of every figure, citation and fixed wording the
sheets show, so that a change asks a physician to publish a new sheet version."""

from __future__ import annotations

import hashlib
from dataclasses import asdict

from kitclinic.outcomes.evidence.figures import FIGURES, SIDE_EFFECT_SUMMARY, TRIAL_CAVEAT
from kitclinic.outcomes.evidence.references import REFERENCES


def _digest() -> str:
    payload = repr(
        (
            [asdict(f) for f in FIGURES],
            [asdict(r) for r in REFERENCES.values()],
            TRIAL_CAVEAT,
            SIDE_EFFECT_SUMMARY,
        )
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


# Changes whenever any figure, citation or fixed wording changes.
EVIDENCE_VERSION = f"evidence-{_digest()}"
