"""How many people responded in the published studies, after the first infusion and after a
course: the figures the information sheet draws as icon arrays of 100 people.

Each figure is a verified published number with its study (docs/sources.md, section 8); which one
was chosen where several studies give one, and why, is in docs/outcomes.md ("Icon arrays").
A figure whose study's citation is not verified is never shown (``patient_citable``).
"""

from __future__ import annotations

from dataclasses import dataclass

from kitclinic.outcomes.evidence.figures import ANXIETY, DEPRESSION, PTSD
from kitclinic.outcomes.evidence.references import patient_citable

FIRST = "first"  # after the first infusion
COURSE = "course"  # after a course of several infusions
WHEN = (FIRST, COURSE)
HEADINGS = {FIRST: "After the first infusion", COURSE: "After a course of infusions"}


@dataclass(frozen=True)
class ResponseRate:
    """``percent`` responded (a drop of at least half on the study's scale) in ``study``;
    ``what`` says in plain words who and when, ``after`` names the scale and the number of
    infusions, ``note`` puts the figure in context (a comparison group, how long it lasted)."""

    indication: str
    when: str
    percent: float
    study: str
    what: str
    after: str
    note: str = ""

    @property
    def in_100(self) -> int:
        """Out of 100 people, rounded half up (53.6 → 54)."""
        return int(self.percent + 0.5)


RESPONSE_RATES: tuple[ResponseRate, ...] = (
    # Pooled ketamine groups of 9 randomised trials: the largest verified count after one
    # infusion.
    ResponseRate(
        DEPRESSION,
        FIRST,
        52.2,
        "Han 2016",
        "responded 1 day after one infusion",
        "368 people in the ketamine groups of 9 trials",
        "The effect often fades: a week later, about 40 in 100 still had a response. Some "
        "people also get better with a dummy treatment.",
    ),
    # The largest verified series of clinic courses, on the PHQ-9 the clinic uses.
    ResponseRate(
        DEPRESSION,
        COURSE,
        53.6,
        "McInnes 2022",
        "responded after 4 to 8 infusions",
        "537 people treated in clinics, rated with the PHQ-9 questionnaire",
        "About 8 in 100 got worse. Another clinic group found 50 in 100 within 6 weeks and "
        "72 in 100 after 10 infusions.",
    ),
    ResponseRate(
        PTSD,
        COURSE,
        67.0,
        "Feder 2021",
        "responded after 6 infusions over 2 weeks",
        "30 people with PTSD, rated with the CAPS-5 interview",
        "With a dummy drug, about 20 in 100 responded. A larger study of 158 people found no "
        "clear benefit for PTSD.",
    ),
    ResponseRate(
        ANXIETY,
        FIRST,
        33.3,
        "Taylor 2018",
        "responded after one infusion",
        "18 people with social anxiety, rated with the LSAS scale",
        "None responded with a dummy drug. This was a very small study.",
    ),
)


def response_rates_for(indication: str) -> dict[str, ResponseRate | None]:
    """The first-infusion and course figure for ``indication`` a patient may read (None where no
    verified study gives one)."""
    shown: dict[str, ResponseRate | None] = dict.fromkeys(WHEN)
    for rate in RESPONSE_RATES:
        if rate.indication == indication and patient_citable(rate.study):
            shown[rate.when] = rate
    return shown
