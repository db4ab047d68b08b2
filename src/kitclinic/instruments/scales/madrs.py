"""MADRS ([montgomery-asberg-1979]). Copyrighted: no item wording or anchors, only numbers and short
labels."""

from __future__ import annotations

from ..model import (
    BandScheme,
    FlagRule,
    Instrument,
    Item,
    ItemAtLeast,
    Licence,
    Parameter,
    RemissionDefinition,
    ResponseDefinition,
    ScoringRule,
    SeverityBand,
)
from ._common import numeric_options, ref, singletons

_LABELS = (
    "apparent sadness",
    "reported sadness",
    "inner tension",
    "reduced sleep",
    "reduced appetite",
    "concentration difficulties",
    "lassitude",
    "inability to feel",
    "pessimistic thoughts",
    "suicidal thoughts",
)

INSTRUMENT = Instrument(
    id="madrs",
    name="MADRS",
    description="Montgomery-Asberg Depression Rating Scale: clinician interview, past week.",
    items=tuple(
        Item(number=i, label=label, options=numeric_options(0, 6))
        for i, label in enumerate(_LABELS, start=1)
    ),
    scoring=ScoringRule(
        kind="sum_of_group_max", groups=singletons(10), description="Sum of items 1-10"
    ),
    minimum=0,
    maximum=60,
    citation=ref("montgomery-asberg-1979", "Montgomery SA, Asberg M. Br J Psychiatry 1979"),
    band_schemes=(
        BandScheme(
            key="common",
            bands=(
                SeverityBand("normal", "Normal", 0, 6),
                SeverityBand("mild", "Mild", 7, 19),
                SeverityBand("moderate", "Moderate", 20, 34),
                SeverityBand("severe", "Severe", 35, 60),
            ),
            citation=ref("montgomery-asberg-1979", "Common MADRS cut-offs"),
        ),
        BandScheme(
            key="muller2003",
            bands=(
                SeverityBand("normal", "Normal", 0, 6),
                SeverityBand("mild", "Mild", 7, 19),
                SeverityBand("moderate", "Moderate", 20, 30),
                SeverityBand("severe", "Severe", 31, 60),
            ),
            citation=ref("muller-2003", "Muller 2003: moderate/severe split at 31"),
        ),
    ),
    parameters=(
        Parameter(
            name="band_scheme",
            default="common",
            choices=("common", "muller2003"),
            description="Severity band version; both are in use ([muller-2003]).",
            citation=ref("muller-2003", "Common cut-offs vs Muller 2003"),
        ),
        Parameter(
            name="item10_alert_level",
            default=1,
            choices=(1, 2, 3, 4, 5, 6),
            description="Item 10 (suicidal thoughts) rating at or above which suicidal_ideation "
            "is raised. No published level exists ([kitclinic-settings]); "
            "the default 1 is the most sensitive choice (any non-zero rating), matching the >=1 "
            "rule used for PHQ-9 item 9, QIDS-SR16 item 12 and HAM-D item 3. A "
            "clinic may raise it after clinical sign-off.",
            citation=ref(
                "kitclinic-settings", "Item 10 >= configured level -> alert", verified=False
            ),
        ),
    ),
    flag_rules=(
        FlagRule(
            flag="suicidal_ideation",
            conditions=(ItemAtLeast(item=10, threshold="item10_alert_level"),),
            citation=ref(
                "kitclinic-settings", "Item 10 >= configured level -> alert", verified=False
            ),
            description="Item 10 at or above item10_alert_level (default 1).",
        ),
    ),
    response=ResponseDefinition(
        min_fraction="0.5", citation=ref("montgomery-asberg-1979", "Response >=50%")
    ),
    remission=RemissionDefinition(
        threshold=10,
        comparison="<=",
        configurable="choices",
        choices=(10, 12),
        citation=ref(
            "ekstrand-2022",
            "Remission <=10 (KARMA-Dep, Ekstrand 2022) or <=12 (esketamine trials); "
            "both in use, configurable",
        ),
    ),
    licence=Licence(
        note="Copyrighted (Montgomery & Asberg, Br J Psychiatry 1979); holder and terms "
        "UNVERIFIED. Item wording and anchors are NOT shipped until licensed; scoring ships with "
        "item numbers and short labels.",
        item_text_allowed=False,
    ),
    safety_note="Item 10 at or above item10_alert_level raises suicidal_ideation.",
    notes=(
        "Anchors are defined at 0/2/4/6; raters may use 1/3/5.",
        "No LOINC code identified: use a local code system.",
        "Minimal important difference about 3-6 points (Hengartner & Ploderl 2021).",
    ),
)
