"""CADSS, 23-item version ([bremner-1998]). Author-owned: no item wording is shipped."""

from __future__ import annotations

from ..model import (
    FlagRule,
    Instrument,
    Item,
    Licence,
    Parameter,
    ScoringRule,
    SubScale,
    TotalAbove,
)
from ._common import numeric_options, ref, singletons

_CADSS6 = (1, 2, 6, 7, 15, 22)

INSTRUMENT = Instrument(
    id="cadss",
    name="CADSS",
    description="Clinician-Administered Dissociative States Scale, 23-item version used in "
    "ketamine trials; measured about 40 minutes after the infusion starts "
    "([luckenbaugh-2014]).",
    items=tuple(
        Item(
            number=i,
            label=f"CADSS item {i}",
            options=numeric_options(0, 4, {0: "not at all", 4: "extremely"}),
        )
        for i in range(1, 24)
    ),
    scoring=ScoringRule(
        kind="sum_of_group_max", groups=singletons(23), description="Sum of items 1-23"
    ),
    minimum=0,
    maximum=92,
    citation=ref("bremner-1998", "Bremner 1998; 23-item sum 0-92 as in trial NCT04226963"),
    subscales=(SubScale("cadss6", "CADSS-6 short form (items 1, 2, 6, 7, 15, 22)", _CADSS6),),
    parameters=(
        Parameter(
            name="dissociation_present_above",
            default=None,
            choices=(None, 4),
            description="Total above which dissociation_present is flagged. '>4 = dissociation "
            "present' appears in some esketamine analyses but is UNVERIFIED and not a standard "
            "band, so the flag is off (None) unless a clinic enables it.",
            citation=ref(
                "kitclinic-settings",
                ">4 = dissociation present (some esketamine analyses)",
                verified=False,
            ),
        ),
    ),
    flag_rules=(
        FlagRule(
            flag="dissociation_present",
            conditions=(TotalAbove("dissociation_present_above"),),
            citation=ref("kitclinic-settings", ">4 = dissociation present", verified=False),
            description="Only when dissociation_present_above is set.",
        ),
    ),
    licence=Licence(
        note="Author-owned (J. D. Bremner); licence terms unknown. Item wording is NOT shipped "
        "until permission is obtained; items are numbered only.",
        item_text_allowed=False,
    ),
    safety_note="No standard bands or safety item.",
    notes=(
        "Subscales depersonalisation, derealisation and amnesia exist, but their item mapping "
        "for the 23-item version is not in the sources and is not modelled.",
        "CADSS-6 short form: Rodrigues 2021.",
        "No LOINC code identified: use a local code system.",
    ),
)
