"""PEG pain scale ([krebs-2009]). Exact wording not confirmed for reproduction: labels only."""

from __future__ import annotations

from ..model import Citation, Instrument, Item, Licence, ResponseDefinition, ScoringRule
from ._common import numeric_options, ref

_KREBS_2009 = Citation(
    text="Krebs EE, Lorenz KA, Bair MJ, Damush TM, Wu J, Sutherland JM, Asch SM, Kroenke K. "
    "Development and initial validation of the PEG, a three-item scale assessing pain intensity "
    "and interference. J Gen Intern Med 2009;24(6):733-738. doi:10.1007/s11606-009-0981-1, "
    "PMID 19418100 [krebs-2009]",
    url="https://pubmed.ncbi.nlm.nih.gov/19418100/",
)

INSTRUMENT = Instrument(
    id="peg",
    name="PEG",
    description="Pain intensity (P), interference with Enjoyment of life (E) and with General "
    "activity (G); each 0-10.",
    items=(
        Item(
            number=1, label="P: average pain intensity, past week", options=numeric_options(0, 10)
        ),
        Item(
            number=2, label="E: interference with enjoyment of life", options=numeric_options(0, 10)
        ),
        Item(
            number=3, label="G: interference with general activity", options=numeric_options(0, 10)
        ),
    ),
    scoring=ScoringRule(
        kind="mean",
        groups=((1,), (2,), (3,)),
        decimals=2,
        description="Mean of the three items, reported to 2 decimals (half up)",
    ),
    minimum=0,
    maximum=10,
    citation=_KREBS_2009,
    response=ResponseDefinition(
        min_fraction="0.5",
        configurable="choices",
        choices=("0.3", "0.5"),
        citation=ref(
            "immpact",
            "IMMPACT: >=30% moderate, >=50% substantial improvement (default: substantial)",
        ),
    ),
    licence=Licence(
        note="Developed with public (VA) funding and widely reproduced, but reproduction terms "
        "for the exact wording are not confirmed: only short labels ship.",
        item_text_allowed=False,
    ),
    safety_note="PEG has no safety item.",
    notes=(
        "No severity bands are defined for the PEG.",
        "No LOINC code identified: use a local code system.",
        "Cronbach alpha 0.73 and 0.89 in the two validation samples (Krebs 2009).",
    ),
)
