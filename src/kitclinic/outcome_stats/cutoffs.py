"""Instruments the outcome engine knows, with their remission cut-offs and score ranges.

Every number here comes from a source in docs/sources.md (section 5, rating instruments); the source
of each is kept on the row, with its key, so that a report can name it. Clinics may pass their own
table (for example MADRS remission <= 12 as in the esketamine trials) to the engine instead of
:data:`DEFAULT_REMISSION_CUTOFFS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class RemissionCutoff:
    """Remission rule and valid score range for one instrument's total score.

    A score is in remission when ``score <= threshold`` (``inclusive=True``) or ``score <
    threshold`` (``inclusive=False``). ``verified`` is False where the convention has no confirmed
    source ([kitclinic-settings]), so a report can say so.
    """

    instrument: str
    label: str
    threshold: float
    inclusive: bool
    score_min: float
    score_max: float
    source: str
    verified: bool = True

    def __post_init__(self) -> None:
        if not self.score_min <= self.threshold <= self.score_max:
            raise ValueError(
                f"{self.instrument}: remission threshold {self.threshold} outside the score range "
                f"{self.score_min}-{self.score_max}"
            )

    def describe(self) -> str:
        """The rule as a clinician reads it, e.g. ``"PHQ-9 < 5"``."""
        op = "<=" if self.inclusive else "<"
        return f"{self.label} {op} {self.threshold:g}"


DEFAULT_REMISSION_CUTOFFS: Mapping[str, RemissionCutoff] = MappingProxyType(
    {
        c.instrument: c
        for c in (
            RemissionCutoff(
                instrument="phq9",
                label="PHQ-9",
                threshold=5,
                inclusive=False,
                score_min=0,
                score_max=27,
                source=(
                    "[phq9-remission]: remission total <5 (NCQA/HEDIS; Psychiatr Serv 2020, "
                    "doi 10.1176/appi.ps.201900295); used by McInnes 2022 and Oliver 2022"
                ),
            ),
            RemissionCutoff(
                instrument="qids_sr16",
                label="QIDS-SR16",
                threshold=5,
                inclusive=True,
                score_min=0,
                score_max=27,
                source="[trivedi-2006]: remission <=5 (STAR*D, Trivedi 2006)",
            ),
            RemissionCutoff(
                instrument="madrs",
                label="MADRS",
                threshold=10,
                inclusive=True,
                score_min=0,
                score_max=60,
                source=(
                    "[ekstrand-2022]: remission <=10 as used by KARMA-Dep (Ekstrand 2022); "
                    "<=12 (esketamine trials) is the other published choice"
                ),
            ),
            RemissionCutoff(
                instrument="gad7",
                label="GAD-7",
                threshold=5,
                inclusive=False,
                score_min=0,
                score_max=21,
                source="[kitclinic-settings]: GAD-7 remission <5 is a convention, UNVERIFIED (configurable)",
                verified=False,
            ),
        )
    }
)


def _normalise(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def resolve_instrument(
    name: str, cutoffs: Mapping[str, RemissionCutoff] = DEFAULT_REMISSION_CUTOFFS
) -> RemissionCutoff:
    """Look an instrument up by key, ignoring case, hyphens and underscores (``"PHQ-9"`` → phq9).

    Raises ``KeyError`` with the allowed keys when the instrument is unknown.
    """
    wanted = _normalise(name)
    for key, cutoff in cutoffs.items():
        if _normalise(key) == wanted or _normalise(cutoff.label) == wanted:
            return cutoff
    raise KeyError(f"unknown instrument {name!r}; allowed: {', '.join(sorted(cutoffs))}")
