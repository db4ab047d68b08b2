"""Patient information sheets: the draft for an indication rendered from the evidence package,
the clinic's own results and the template; publishing freezes it as an ``InfoSheetVersion``."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from kitclinic.consent.models import InfoSheetVersion
from kitclinic.outcomes.evidence import figures as evidence_figures
from kitclinic.outcomes.evidence import plain
from kitclinic.outcomes.evidence.references import REFERENCES, patient_citable
from kitclinic.outcomes.evidence.response import (
    COURSE,
    FIRST,
    HEADINGS,
    ResponseRate,
    response_rates_for,
)
from kitclinic.outcomes.evidence.version import EVIDENCE_VERSION
from kitclinic.outcomes.icon_array import icon_array_svg
from kitclinic.outcomes.labels import INDICATION_LABELS
from kitclinic.outcomes.selectors.clinic_results import WITHHOLD_BELOW_N, clinic_results
from kitclinic.outcomes.services import content_hash

TITLES = {
    "depression": "Ketamine infusions for depression that has not responded to other treatment",
    "ptsd": "Ketamine infusions for post-traumatic stress disorder (PTSD)",
    "anxiety": "Ketamine infusions for anxiety",
    "chronic_pain": "Ketamine infusions for chronic pain",
}
# The condition as a sentence names it ("people with PTSD").
CONDITION_WORDS = {
    "depression": "depression",
    "ptsd": "PTSD",
    "anxiety": "anxiety",
    "chronic_pain": "chronic pain",
}
# Plain-language names of the rating scales the sheet's clinic results use.
SCALE_WORDS = {
    "PHQ-9": "the PHQ-9 depression questionnaire",
    "GAD-7": "the GAD-7 anxiety questionnaire",
}


@dataclass(frozen=True)
class Draft:
    indication: str
    html: str
    content_hash: str
    latest: InfoSheetVersion | None

    @property
    def changed(self) -> bool:
        return self.latest is None or self.latest.content_hash != self.content_hash

    @property
    def publish_label(self) -> str:
        """What publishing would do now, as the publish button says it."""
        if self.latest is None:
            return "Publish version 1"
        if self.changed:
            return f"Publish as version {self.latest.version + 1}"
        return f"Up to date (version {self.latest.version})"


# The sections of published findings, in reading order: (heading, topics).
FINDING_GROUPS = (
    ("One infusion", ("single",)),
    ("A course of infusions", ("course",)),
    ("In clinics", ("clinics",)),
    ("Compared with other treatments", ("comparison",)),
)
EARLY_REVIEW_STUDY = "Transl Psychiatry 2024"


def _icon_array(rate: ResponseRate | None) -> dict[str, object] | None:
    if rate is None:
        return None
    label = f"About {rate.in_100} in 100 people {rate.what}"
    return {
        "rate": rate,
        "label": label,
        "svg": mark_safe(icon_array_svg(rate.in_100, label)),  # noqa: S308 (label escaped)
        "cite": REFERENCES[rate.study].plain,
    }


def render_sheet(organization_id: int, indication: str) -> str:
    """The sheet as it would be published now (a complete, self-contained HTML document)."""
    figures = evidence_figures.figures_for(indication)

    def rows(*topics: str) -> list[dict[str, str]]:
        return [
            {"text": f.text, "cite": REFERENCES[f.study].short}
            for f in figures
            if f.topic in topics
        ]

    rates = response_rates_for(indication)
    cited = {f.study for f in figures} | {r.study for r in rates.values() if r is not None}
    results = clinic_results(organization_id, indication)
    label = INDICATION_LABELS[indication]
    return render_to_string(
        "outcomes/sheet.html",
        {
            "indication": indication,
            "indication_label": label,
            "condition": CONDITION_WORDS[indication],
            "any_array": any(r is not None for r in rates.values()),
            "title": TITLES[indication],
            "summary": plain.summary_for(indication),
            "arrays": [(HEADINGS[when], _icon_array(rates[when])) for when in (FIRST, COURSE)],
            "finding_groups": [
                (heading, found) for heading, topics in FINDING_GROUPS if (found := rows(*topics))
            ],
            "side_effects": rows("side_effects", "blood_pressure"),
            "references": sorted(REFERENCES[k].plain for k in cited),
            "caveat": evidence_figures.TRIAL_CAVEAT,
            "side_effect_summary": evidence_figures.SIDE_EFFECT_SUMMARY,
            "results": results,
            "scale_words": SCALE_WORDS.get(results.instrument_label, results.instrument_label),
            "withhold_below": WITHHOLD_BELOW_N,
            "review_cite": REFERENCES[EARLY_REVIEW_STUDY].short
            if patient_citable(EARLY_REVIEW_STUDY)
            else "",
            "evidence_version": EVIDENCE_VERSION,
        },
    )


def draft(organization_id: int, indication: str) -> Draft:
    html = render_sheet(organization_id, indication)
    latest = (
        InfoSheetVersion.objects.filter(organization_id=organization_id, indication=indication)
        .order_by("-version")
        .first()
    )
    return Draft(indication, html, content_hash(html), latest)
