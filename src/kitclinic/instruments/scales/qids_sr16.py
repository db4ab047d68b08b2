"""QIDS-SR16 ([ids-qids]). Item wording is not shipped: copyright terms are UNVERIFIED."""

from __future__ import annotations

from ..model import (
    BandScheme,
    FlagRule,
    Instrument,
    Item,
    ItemAtLeast,
    Licence,
    RemissionDefinition,
    ResponseDefinition,
    ScoringRule,
    SeverityBand,
)
from ._common import numeric_options, ref

_LABELS = (
    "falling asleep",
    "sleep during night",
    "waking too early",
    "sleeping too much",
    "sad mood",
    "decreased appetite",
    "increased appetite",
    "weight loss",
    "weight gain",
    "concentration",
    "view of self",
    "thoughts of death/suicide",
    "interest",
    "energy",
    "slowed down",
    "restless",
)

_STAR_D = ref("trivedi-2006", "STAR*D, Trivedi 2006")

INSTRUMENT = Instrument(
    id="qids-sr16",
    name="QIDS-SR16",
    description="Quick Inventory of Depressive Symptomatology, 16-item self-report, last 7 days.",
    items=tuple(
        Item(number=i, label=label, options=numeric_options(0, 3))
        for i, label in enumerate(_LABELS, start=1)
    ),
    scoring=ScoringRule(
        kind="sum_of_group_max",
        # Nine domains: sleep takes the worst of 1-4, appetite/weight the worst of 6-9,
        # psychomotor the worst of 15-16; every other domain is one item.
        groups=((1, 2, 3, 4), (5,), (6, 7, 8, 9), (10,), (11,), (12,), (13,), (14,), (15, 16)),
        description="max(1-4) + 5 + max(6-9) + 10 + 11 + 12 + 13 + 14 + max(15-16); "
        "max(6-9) is taken even if the patient answered more items than the form asks",
    ),
    minimum=0,
    maximum=27,
    citation=ref(
        "ids-qids", "QIDS-SR16 scoring and bands, ids-qids.org", "https://www.ids-qids.org"
    ),
    band_schemes=(
        BandScheme(
            key="ids_qids",
            bands=(
                SeverityBand("none", "None", 0, 5),
                SeverityBand("mild", "Mild", 6, 10),
                SeverityBand("moderate", "Moderate", 11, 15),
                SeverityBand("severe", "Severe", 16, 20),
                SeverityBand("very_severe", "Very severe", 21, 27),
            ),
            citation=ref("ids-qids", "ids-qids.org", "https://www.ids-qids.org"),
        ),
    ),
    flag_rules=(
        FlagRule(
            flag="suicidal_ideation",
            conditions=(ItemAtLeast(item=12, threshold=1),),
            citation=ref("ids-qids", "QIDS-SR16 item 12 >= 1 -> alert"),
            description="Item 12 (thoughts of death/suicide) >= 1.",
        ),
    ),
    response=ResponseDefinition(min_fraction="0.5", citation=_STAR_D),
    remission=RemissionDefinition(threshold=5, comparison="<=", citation=_STAR_D),
    licence=Licence(
        note="Described as free for clinical and research use, but the copyright holders and "
        "exact terms are UNVERIFIED: scoring ships, item wording does not (short labels only) "
        "until the terms are confirmed.",
        item_text_allowed=False,
    ),
    safety_note="Item 12 >= 1 raises suicidal_ideation.",
    notes=(
        "No LOINC code identified: use a local code system.",
        "Items 6-9 and 15-16 may be left unanswered (None) as long as one item of the same "
        "group is answered; item 1-4 likewise.",
        "No standard MCID.",
    ),
)
