"""The published findings an information sheet may show, in plain words, each naming its study
(a key of :data:`kitclinic.outcomes.evidence.references.REFERENCES`), and the sheet's fixed
wording about trials and side effects."""

from __future__ import annotations

from dataclasses import dataclass

from kitclinic.outcomes.evidence.references import patient_citable

DEPRESSION = "depression"
PTSD = "ptsd"
ANXIETY = "anxiety"
CHRONIC_PAIN = "chronic_pain"
ALL = (DEPRESSION, PTSD, ANXIETY, CHRONIC_PAIN)


@dataclass(frozen=True)
class Figure:
    """One published finding in plain words. ``topic`` groups the sheet's sections:
    ``single`` (one infusion), ``course`` (several infusions), ``clinics`` (real-world clinics),
    ``comparison`` (ECT, well-masked trials), ``side_effects``, ``blood_pressure``,
    ``inflammation``. ``study`` is the key of its entry in ``references.REFERENCES``."""

    text: str
    study: str
    topic: str
    indications: tuple[str, ...]


FIGURES: tuple[Figure, ...] = (
    # Depression, one infusion.
    Figure(
        "In controlled trials one infusion improved depression within a day; the largest effect "
        "was at 24 hours and it was still present at day 7. On average the response to a single "
        'dose lasts "around 1 week".',
        "Kryst 2020",
        "single",
        (DEPRESSION,),
    ),
    Figure(
        "Across the ketamine groups of 9 randomised trials (368 patients), 52.2% responded at "
        "24 hours, 47.9% at 72 hours and 39.8% at day 7; 20.6%, 23.8% and 26.2% were in "
        "remission at those times.",
        "Han 2016",
        "single",
        (DEPRESSION,),
    ),
    Figure(
        "Compared with a salt-water (saline) placebo, the modelled response at 24 hours was "
        "27.4% with ketamine against 8.8% with placebo; compared with midazolam (an active "
        "placebo that also makes people feel something) it was 46.5% against 25.9%. The "
        "reviewers rated the certainty of this evidence as very low.",
        "Cochrane 2021",
        "single",
        (DEPRESSION,),
    ),
    # Depression, courses.
    Figure(
        "In a study of 12 people given 6 infusions over 12 days, 3 of 12 had responded after "
        "the first infusion and 11 of 12 after the sixth; 8 of 12 were in remission after the "
        "sixth. Mean time to relapse was 16 days.",
        "Shiroma 2014",
        "course",
        (DEPRESSION,),
    ),
    Figure(
        "In a controlled study of 41 patients, 59% responded after a series of 6 infusions over "
        "2 weeks; the median number of infusions to response was 3. After a course, relapse "
        "came on average 18–19 days later.",
        "Phillips 2019",
        "course",
        (DEPRESSION,),
    ),
    Figure(
        "In 135 patients, no improvement after 4 infusions signalled that the course as a whole "
        "was unlikely to work (sensitivity above 90%). This is why your team reviews progress "
        "after the fourth infusion.",
        "Transl Psychiatry 2024",
        "course",
        (DEPRESSION,),
    ),
    # Real-world clinics.
    Figure(
        "In 537 clinic patients given 4–8 infusions over 7–28 days, 53.6% responded and 28.9% "
        "reached remission (PHQ-9); 8.4% got worse.",
        "McInnes 2022",
        "clinics",
        (DEPRESSION,),
    ),
    Figure(
        "In 424 clinic patients, 50% responded and 20% reached remission within 6 weeks; after "
        "10 infusions 72% had responded and 38% were in remission (PHQ-9).",
        "Oliver 2022",
        "clinics",
        (DEPRESSION,),
    ),
    Figure(
        "In 213 clinic patients, 27% had responded and 13% were in remission after 4 infusions "
        "(QIDS-SR16).",
        "McIntyre 2020",
        "clinics",
        (DEPRESSION,),
    ),
    # Comparisons.
    Figure(
        "In 186 inpatients, 46% reached remission with ketamine and 63% with ECT; both needed a "
        "median of 6 sessions, and most people who remitted relapsed within 12 months (70% after "
        "ketamine, 63% after ECT).",
        "Ekstrand 2022",
        "comparison",
        (DEPRESSION,),
    ),
    Figure(
        "In a trial where patients could not tell which treatment they had (ketamine or saline "
        "given during surgical anaesthesia, 40 patients), 60% against 50% responded on day 1, "
        "not a significant difference.",
        "Lii 2023",
        "comparison",
        (DEPRESSION,),
    ),
    # PTSD.
    Figure(
        "In 30 people with PTSD given 6 infusions over 2 weeks, 67% responded with ketamine "
        "against 20% with midazolam; the median time until the response was lost was 27.5 days.",
        "Feder 2021",
        "course",
        (PTSD,),
    ),
    Figure(
        "In 158 veterans and service members given 8 infusions, ketamine brought no significant "
        "benefit for PTSD (the 0.5 mg/kg dose did improve depression).",
        "Abdallah 2022",
        "course",
        (PTSD,),
    ),
    Figure(
        "In 41 people with PTSD, a single infusion reduced PTSD severity at 24 hours more than "
        "midazolam did, but the effect was short-lived.",
        "Feder 2014",
        "single",
        (PTSD,),
    ),
    # Anxiety.
    Figure(
        "In 18 people with social anxiety, a single infusion gave a response in 33.3% against "
        "0% with placebo on the LSAS scale.",
        "Taylor 2018",
        "single",
        (ANXIETY,),
    ),
    Figure(
        "In 12 people with generalised or social anxiety given ketamine as injections under the "
        "skin (not a drip), anxiety fell within 1 hour and the effect lasted up to 7 days; 10 of "
        "12 responded at 0.5–1 mg/kg.",
        "Glue 2017",
        "single",
        (ANXIETY,),
    ),
    # Chronic pain.
    Figure(
        'A consensus guideline found evidence supporting ketamine for chronic pain "but the '
        'level of evidence varies by condition and dose range".',
        "Cohen 2018",
        "course",
        (CHRONIC_PAIN,),
    ),
    Figure(
        "In 60 people with CRPS-1 given a 4.2-day infusion, pain was lowest at week 1 (2.68 "
        "against 5.45 on a 0–10 scale) but the difference was no longer significant at week 12, "
        "and function did not improve.",
        "Sigtermans 2009",
        "course",
        (CHRONIC_PAIN,),
    ),
    Figure(
        "In CRPS, 4-hour infusions daily for 10 days reduced many pain measures, against none "
        "with placebo (both groups also received clonidine and midazolam).",
        "Schwartzman 2009",
        "course",
        (CHRONIC_PAIN,),
    ),
    # Side effects.
    Figure(
        "In 188 participants most side effects peaked within 1 hour and had resolved by 2 hours; "
        'the most common was "feeling strange, weird or loopy". No serious drug-related events '
        "occurred.",
        "Acevedo-Diaz 2020",
        "side_effects",
        ALL,
    ),
    Figure(
        "In a randomised trial, headache, anxiety, dissociation, nausea and dizziness each "
        "affected at least 20% of people; dissociation passed quickly and lessened with repeat "
        "doses.",
        "Singh 2016",
        "side_effects",
        ALL,
    ),
    Figure(
        "In 203 clinic patients given repeated infusions: drowsiness 56.4%, dizziness 45.2%, "
        "dissociation 35.6%, nausea 13.3%; fewer than 5% stopped because of side effects, and "
        "there was no psychosis, mania or new suicidal thinking.",
        "Rodrigues (CRTCE)",
        "side_effects",
        ALL,
    ),
    Figure(
        "With a multi-day infusion for pain, psychological side effects (such as strange "
        "perceptions) occurred in 76% against 18% with placebo.",
        "Sigtermans 2009",
        "side_effects",
        (CHRONIC_PAIN,),
    ),
    Figure(
        "Reporting of side effects in studies is selective, and data on long-term and repeated "
        "use are limited.",
        "Short 2018",
        "side_effects",
        ALL,
    ),
    Figure(
        "In 684 infusions (66 patients), the largest average blood-pressure rise was at 30 "
        "minutes, +3.3/+3.2 mmHg; no infusion had to be stopped, pressure returned to baseline "
        "after the infusion and did not build up from infusion 1 to 6.",
        "Riva-Posse 2018",
        "blood_pressure",
        ALL,
    ),
    Figure(
        "Blood pressure and heart rate were back to baseline within 1.5 hours.",
        "Szarmach 2020",
        "blood_pressure",
        ALL,
    ),
    Figure(
        "In a community clinic, 44.3% of patients reached 165/100 mmHg or more at some point, "
        "and 12% of those needed medicine to lower it.",
        "Rodrigues (CRTCE)",
        "blood_pressure",
        ALL,
    ),
)

TRIAL_CAVEAT = (
    "Most trials are small and many are open-label; ketamine is easy to recognise, so many "
    "trials were not well blinded and may overstate the benefit. Studies define “response” "
    "(usually a drop of at least half on the named scale) and “remission” (a score below the "
    "study's cut-off) differently, so the figures below name the scale and the number of "
    "infusions."
)

SIDE_EFFECT_SUMMARY = (
    "Dissociation and strange feelings are common during the infusion and usually clear within "
    "about 2 hours; blood pressure rises for a short time during the infusion (largest average "
    "rise at 30 minutes in a series of 684 infusions) and returns to baseline within about 1.5 "
    "hours; some people need medicine to lower it."
)


def figures_for(indication: str, *topics: str) -> list[Figure]:
    """The findings a patient may read about ``indication`` (in ``topics``, or all): only those
    whose study's citation is verified (``references.patient_citable``)."""
    return [
        f
        for f in FIGURES
        if indication in f.indications
        and (not topics or f.topic in topics)
        and patient_citable(f.study)
    ]
