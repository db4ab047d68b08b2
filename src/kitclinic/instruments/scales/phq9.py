"""PHQ-9 ([kroenke-2001]). Free to reproduce: item wording ships with attribution."""

from __future__ import annotations

from ..model import AnswerOption as Opt
from ..model import (
    BandScheme,
    FlagRule,
    Instrument,
    Item,
    ItemAtLeast,
    Licence,
    LoincCodes,
    RemissionDefinition,
    ResponseDefinition,
    ScoringRule,
    SeverityBand,
)
from ._common import FREQUENCY_2_WEEKS, ref, singletons

_ITEMS = (
    # (label, published wording, LOINC item code)
    ("interest/pleasure", "Little interest or pleasure in doing things", "44250-9"),
    ("down/depressed/hopeless", "Feeling down, depressed, or hopeless", "44255-8"),
    (
        "sleep",
        "Trouble falling or staying asleep, or sleeping too much",
        "44259-0",
    ),
    ("tired/low energy", "Feeling tired or having little energy", "44254-1"),
    ("appetite", "Poor appetite or overeating", "44251-7"),
    (
        "feeling bad about yourself",
        "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or "
        "your family down",
        "44258-2",
    ),
    (
        "concentration",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "44252-5",
    ),
    (
        "moving slowly or fidgety",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite "
        "\u2014 being so fidgety or restless that you have been moving around a lot more than "
        "usual",
        "44253-3",
    ),
    (
        "better off dead / hurting yourself",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
        "44260-8",
    ),
)

INSTRUMENT = Instrument(
    id="phq9",
    name="PHQ-9",
    description="Patient Health Questionnaire-9: depression severity, self-report, last 2 weeks.",
    stem="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=tuple(
        Item(number=i, label=label, text=text, loinc=code, options=FREQUENCY_2_WEEKS)
        for i, (label, text, code) in enumerate(_ITEMS, start=1)
    ),
    unscored_items=(
        Item(
            number=10,
            label="difficulty (not scored)",
            text="If you checked off any problems, how difficult have these problems made it for "
            "you to do your work, take care of things at home, or get along with other people?",
            loinc="69722-7",
            options=(
                Opt(0, "Not difficult at all", "LA6572-7"),
                Opt(1, "Somewhat difficult", "LA6573-5"),
                Opt(2, "Very difficult", "LA6575-0"),
                Opt(3, "Extremely difficult", "LA6574-3"),
            ),
        ),
    ),
    scoring=ScoringRule(
        kind="sum_of_group_max", groups=singletons(9), description="Sum of items 1-9"
    ),
    minimum=0,
    maximum=27,
    citation=ref(
        "kroenke-2001", "Kroenke K, Spitzer RL, Williams JB. The PHQ-9. J Gen Intern Med 2001"
    ),
    band_schemes=(
        BandScheme(
            key="kroenke2001",
            bands=(
                SeverityBand("none_minimal", "None/minimal", 0, 4),
                SeverityBand("mild", "Mild", 5, 9),
                SeverityBand("moderate", "Moderate", 10, 14),
                SeverityBand("moderately_severe", "Moderately severe", 15, 19),
                SeverityBand("severe", "Severe", 20, 27),
            ),
            citation=ref(
                "kroenke-2001",
                "Kroenke 2001; >=10 has 88% sensitivity and 88% specificity for major depression",
            ),
        ),
    ),
    flag_rules=(
        FlagRule(
            flag="suicidal_ideation",
            conditions=(ItemAtLeast(item=9, threshold=1),),
            citation=ref("kroenke-2001", "PHQ-9 item 9 >= 1"),
            description="Item 9 >= 1: same-day structured risk assessment (C-SSRS screener or "
            "ASQ) and clinician alert. Item 9 = 0 does not exclude risk.",
        ),
    ),
    response=ResponseDefinition(
        min_fraction="0.5",
        citation=ref(
            "phq9-remission",
            "NCQA/HEDIS; Psychiatr Serv 2020",
            "http://ps.psychiatryonline.org/doi/full/10.1176/appi.ps.201900295",
        ),
    ),
    remission=RemissionDefinition(
        threshold=5,
        comparison="<",
        citation=ref(
            "phq9-remission",
            "NCQA/HEDIS; Psychiatr Serv 2020",
            "http://ps.psychiatryonline.org/doi/full/10.1176/appi.ps.201900295",
        ),
    ),
    loinc=LoincCodes(
        panel="44249-1",
        total="44261-6",
        checked_at="H (US Core Questionnaire-phq-9-example.json), L (loinc.org/69729-2), E",
        note="Deprecated codes 44257-4 and 44262-4 must not be used.",
    ),
    licence=Licence(
        note="Free: no permission required to reproduce, translate, display or distribute "
        "(Pfizer; phqscreeners.com). Item text ships with attribution.",
        item_text_allowed=True,
        attribution="Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and "
        "colleagues, with an educational grant from Pfizer Inc. No permission required to "
        "reproduce, translate, display or distribute.",
    ),
    safety_note="Item 9 >= 1 raises suicidal_ideation; item 9 = 0 does not exclude risk.",
    notes=("Minimal clinically important difference 5 points (Lowe 2004).",),
)
