"""Modified Aldrete score ([aldrete-discharge], [aldrete-variants]): discharge readiness after
sedation."""

from __future__ import annotations

from ..model import (
    AnswerOption,
    FlagRule,
    Instrument,
    Item,
    ItemAtLeast,
    Licence,
    Parameter,
    ScoringRule,
    TotalAtLeast,
)
from ._common import ref, singletons


def _item(number: int, label: str, zero: str, one: str, two: str) -> Item:
    return Item(
        number=number,
        label=label,
        text=label,
        options=(AnswerOption(0, zero), AnswerOption(1, one), AnswerOption(2, two)),
    )


_DISCHARGE = ref(
    "aldrete-discharge",
    "Discharge at >=9 ('>8') and SpO2 >92% on room air",
    "https://info.5y1.org/joint-commission-pre-sedation-assessment_1_d86787.html",
)

INSTRUMENT = Instrument(
    id="aldrete",
    name="Modified Aldrete score",
    description="Post-sedation recovery: activity, respiration, circulation, consciousness, "
    "O2 saturation; each 0-2.",
    items=(
        _item(
            1,
            "activity",
            "Moves none",
            "Moves 2 limbs",
            "Moves 4 limbs voluntarily or on command",
        ),
        _item(
            2,
            "respiration",
            "Apnoeic",
            "Dyspnoea, shallow or limited breathing",
            "Breathes deeply, coughs freely",
        ),
        _item(
            3,
            "circulation",
            "BP beyond +/-50 of pre-sedation level",
            "BP +/-20-50 of pre-sedation level",
            "BP within +/-20 of pre-sedation level",
        ),
        _item(4, "consciousness", "Not responding", "Arousable on calling", "Fully awake"),
        _item(
            5,
            "O2 saturation",
            "<90% even with O2",
            "Needs O2 to keep SpO2 above the variant's level (>90%; some versions >92%)",
            ">92% on room air",
        ),
    ),
    scoring=ScoringRule(
        kind="sum_of_group_max", groups=singletons(5), description="Sum of items 1-5"
    ),
    minimum=0,
    maximum=10,
    citation=ref(
        "aldrete-variants",
        "Modified Aldrete criteria as tabulated in Kim 2015, World J Gastroenterol "
        "21(12):3671-3678, doi 10.3748/wjg.v21.i12.3671, Table 2",
        "https://www.wjgnet.com/1007-9327/full/v21/i12/3671-T2.htm",
    ),
    parameters=(
        Parameter(
            name="circulation_unit",
            default="mmHg",
            choices=("mmHg", "percent"),
            description="Unit of the +/-20 / +/-50 circulation bands (mmHg in Kim 2015, % of the "
            "pre-anaesthetic value elsewhere). Recorded with the score; it changes how the rater "
            "assigns item 3, not the arithmetic.",
            citation=ref(
                "aldrete-variants",
                "mmHg (Kim 2015) vs % of pre-anaesthetic value (ASJA 2022, table 5)",
                "https://asja.springeropen.com/articles/10.1186/s42077-022-00234-1/tables/5",
            ),
        ),
        Parameter(
            name="o2_band_variant",
            default="gt90",
            choices=("gt90", "gt92"),
            description="Level that item 5 = 1 ('needs O2') must keep: >90% (table above) or "
            ">92% (some versions). Recorded with the score.",
            citation=ref("aldrete-variants", "O2 saturation item variants"),
        ),
        Parameter(
            name="require_full_respiration",
            default=False,
            choices=(False, True),
            description="Stricter variant: discharge also needs 2 points on respiration (the O2 "
            "item is already required at 2 by the room-air condition).",
            citation=ref(
                "aldrete-variants",
                "Variant requiring 2 points on respiration and on O2",
                "https://www.omicsonline.org/JACRimages/2155-6148-5-480-t001.html",
            ),
        ),
    ),
    flag_rules=(
        FlagRule(
            flag="discharge_ready",
            conditions=(
                TotalAtLeast(9),
                # 'SpO2 >92% on room air' is exactly the 2-point O2 criterion.
                ItemAtLeast(item=5, threshold=2),
                ItemAtLeast(item=2, threshold=2, applies_if="require_full_respiration"),
            ),
            citation=_DISCHARGE,
            description="Total >= 9 and item 5 = 2 (SpO2 >92% on room air); with "
            "require_full_respiration also item 2 = 2.",
        ),
    ),
    licence=Licence(
        note="Published clinical criteria; no licence restriction identified (original Aldrete "
        "publication not checked). Criteria wording ships.",
        item_text_allowed=True,
    ),
    safety_note="discharge_ready is a decision aid; the clinician still signs the discharge.",
    notes=(
        "The alternative discharge route 'back to the pre-sedation score' needs the patient's "
        "pre-sedation total and is left to the caller.",
        "No LOINC code identified: use a local code.",
    ),
)
