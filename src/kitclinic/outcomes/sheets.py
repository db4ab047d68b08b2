"""Patient information sheets: the draft for an indication rendered from the evidence package,
the clinic's own results and the template; publishing freezes it as an ``InfoSheetVersion``."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from kitclinic.consent.models import InfoSheetVersion
from kitclinic.outcomes.evidence import figures as evidence_figures
from kitclinic.outcomes.evidence.references import REFERENCES
from kitclinic.outcomes.evidence.version import EVIDENCE_VERSION
from kitclinic.outcomes.labels import INDICATION_LABELS
from kitclinic.outcomes.selectors.clinic_results import WITHHOLD_BELOW_N, clinic_results
from kitclinic.outcomes.services import content_hash

TITLES = {
    "depression": "Ketamine infusions for depression that has not responded to other treatment",
    "ptsd": "Ketamine infusions for post-traumatic stress disorder (PTSD)",
    "anxiety": "Ketamine infusions for anxiety",
    "chronic_pain": "Ketamine infusions for chronic pain",
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


def render_sheet(organization_id: int, indication: str) -> str:
    """The sheet as it would be published now (a complete, self-contained HTML document)."""
    figures = evidence_figures.figures_for(indication)
    cited = []
    for f in figures:
        if f.study not in cited:
            cited.append(f.study)
    number = {key: i + 1 for i, key in enumerate(cited)}

    def group(*topics: str) -> list[dict[str, object]]:
        return [
            {"text": f.text, "study": f.study, "n": number[f.study]}
            for f in figures
            if f.topic in topics
        ]

    results = clinic_results(organization_id, indication)
    return render_to_string(
        "outcomes/sheet.html",
        {
            "indication": indication,
            "indication_label": INDICATION_LABELS[indication],
            "title": TITLES[indication],
            "efficacy": group("single", "course", "clinics", "comparison"),
            "side_effects": group("side_effects"),
            "blood_pressure": group("blood_pressure"),
            "references": [REFERENCES[k] for k in cited],
            "ref_numbers": number,
            "caveat": evidence_figures.TRIAL_CAVEAT,
            "side_effect_summary": evidence_figures.SIDE_EFFECT_SUMMARY,
            "results": results,
            "scale_words": SCALE_WORDS.get(results.instrument_label, results.instrument_label),
            "withhold_below": WITHHOLD_BELOW_N,
            "review_number": number.get("Transl Psychiatry 2024"),
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
