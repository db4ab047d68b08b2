"""GAD-7 ([spitzer-2006]). Free to reproduce: item wording ships with attribution."""

from __future__ import annotations

from ..model import (
    BandScheme,
    Instrument,
    Item,
    Licence,
    LoincCodes,
    RemissionDefinition,
    ResponseDefinition,
    ScoringRule,
    SeverityBand,
)
from ._common import FREQUENCY_2_WEEKS, ref, singletons

_ITEMS = (
    ("nervous/anxious/on edge", "Feeling nervous, anxious, or on edge", "69725-0"),
    ("can't stop or control worrying", "Not being able to stop or control worrying", "68509-9"),
    ("worrying too much", "Worrying too much about different things", "69733-4"),
    ("trouble relaxing", "Trouble relaxing", "69734-2"),
    ("restless", "Being so restless that it is hard to sit still", "69735-9"),
    ("easily annoyed/irritable", "Becoming easily annoyed or irritable", "69689-8"),
    ("afraid something awful", "Feeling afraid, as if something awful might happen", "69736-7"),
)

_CONVENTION = ref(
    "kitclinic-settings",
    "Response >=50% and remission <5 are conventions for GAD-7, marked UNVERIFIED; configurable",
    verified=False,
)

INSTRUMENT = Instrument(
    id="gad7",
    name="GAD-7",
    description="Generalized Anxiety Disorder-7: anxiety severity, self-report, last 2 weeks.",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=tuple(
        Item(number=i, label=label, text=text, loinc=code, options=FREQUENCY_2_WEEKS)
        for i, (label, text, code) in enumerate(_ITEMS, start=1)
    ),
    scoring=ScoringRule(
        kind="sum_of_group_max", groups=singletons(7), description="Sum of items 1-7"
    ),
    minimum=0,
    maximum=21,
    citation=ref(
        "spitzer-2006", "Spitzer RL, Kroenke K, Williams JB, Lowe B. GAD-7. Arch Intern Med 2006"
    ),
    band_schemes=(
        BandScheme(
            key="spitzer2006",
            bands=(
                SeverityBand("minimal", "Minimal", 0, 4),
                SeverityBand("mild", "Mild", 5, 9),
                SeverityBand("moderate", "Moderate", 10, 14),
                SeverityBand("severe", "Severe", 15, 21),
            ),
            citation=ref("spitzer-2006", "GAD-7 bands; >=10 warrants further evaluation"),
        ),
    ),
    response=ResponseDefinition(min_fraction="0.5", citation=_CONVENTION, configurable="any"),
    remission=RemissionDefinition(
        threshold=5, comparison="<", citation=_CONVENTION, configurable="any"
    ),
    loinc=LoincCodes(
        panel="69737-5",
        total="70274-6",
        checked_at="L (69729-2 hierarchy), H (PHR IG)",
        note="The difficulty item's code is not confirmed and is left out; 69726-8 is NOT a "
        "GAD-7 item code.",
    ),
    licence=Licence(
        note="Free (same statement as PHQ-9). Item text ships with attribution.",
        item_text_allowed=True,
        attribution="Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and "
        "colleagues, with an educational grant from Pfizer Inc. No permission required to "
        "reproduce, translate, display or distribute.",
    ),
    safety_note="GAD-7 has no safety item.",
    notes=(
        "Minimal clinically important difference 4 points (Toussaint 2020); reliable change "
        "6 points (Bischoff 2020).",
        "The optional difficulty item is not modelled (LOINC code unconfirmed).",
    ),
)
