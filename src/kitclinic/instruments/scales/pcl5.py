"""PCL-5 ([weathers-2013]). US Government work, public domain: item wording ships."""

from __future__ import annotations

from ..model import AnswerOption as Opt
from ..model import (
    FlagRule,
    Instrument,
    Item,
    Licence,
    LoincCodes,
    Parameter,
    ScoringRule,
    SubScale,
    SymptomCounts,
    TotalAtLeast,
)
from ._common import ref, singletons

_OPTIONS = (
    Opt(0, "Not at all"),
    Opt(1, "A little bit"),
    Opt(2, "Moderately"),
    Opt(3, "Quite a bit"),
    Opt(4, "Extremely"),
)

_ITEMS = (
    (
        "unwanted memories",
        "Repeated, disturbing, and unwanted memories of the stressful experience?",
    ),
    ("disturbing dreams", "Repeated, disturbing dreams of the stressful experience?"),
    (
        "flashbacks",
        "Suddenly feeling or acting as if the stressful experience were actually happening again "
        "(as if you were actually back there reliving it)?",
    ),
    (
        "upset at reminders",
        "Feeling very upset when something reminded you of the stressful experience?",
    ),
    (
        "physical reactions to reminders",
        "Having strong physical reactions when something reminded you of the stressful "
        "experience (for example, heart pounding, trouble breathing, sweating)?",
    ),
    (
        "avoiding memories/thoughts/feelings",
        "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    ),
    (
        "avoiding external reminders",
        "Avoiding external reminders of the stressful experience (for example, people, places, "
        "conversations, activities, objects, or situations)?",
    ),
    ("trouble remembering", "Trouble remembering important parts of the stressful experience?"),
    (
        "negative beliefs",
        "Having strong negative beliefs about yourself, other people, or the world (for example, "
        "having thoughts such as: I am bad, there is something seriously wrong with me, no one "
        "can be trusted, the world is completely dangerous)?",
    ),
    (
        "blame",
        "Blaming yourself or someone else for the stressful experience or what happened after it?",
    ),
    (
        "strong negative feelings",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    ),
    ("loss of interest", "Loss of interest in activities that you used to enjoy?"),
    ("distant/cut off", "Feeling distant or cut off from other people?"),
    (
        "trouble with positive feelings",
        "Trouble experiencing positive feelings (for example, being unable to feel happiness or "
        "have loving feelings for people close to you)?",
    ),
    ("irritable/aggressive", "Irritable behavior, angry outbursts, or acting aggressively?"),
    ("risk taking", "Taking too many risks or doing things that could cause you harm?"),
    ("superalert", 'Being "superalert" or watchful or on guard?'),
    ("jumpy/easily startled", "Feeling jumpy or easily startled?"),
    ("difficulty concentrating", "Having difficulty concentrating?"),
    ("trouble sleeping", "Trouble falling or staying asleep?"),
)

_B = (1, 2, 3, 4, 5)
_C = (6, 7)
_D = (8, 9, 10, 11, 12, 13, 14)
_E = (15, 16, 17, 18, 19, 20)

INSTRUMENT = Instrument(
    id="pcl5",
    name="PCL-5",
    description="PTSD Checklist for DSM-5: PTSD symptom severity, self-report, past month.",
    stem="In the past month, how much were you bothered by:",
    items=tuple(
        Item(number=i, label=label, text=text, options=_OPTIONS)
        for i, (label, text) in enumerate(_ITEMS, start=1)
    ),
    scoring=ScoringRule(
        kind="sum_of_group_max", groups=singletons(20), description="Sum of items 1-20"
    ),
    minimum=0,
    maximum=80,
    citation=ref(
        "weathers-2013",
        "Weathers et al. 2013, PTSD Checklist for DSM-5, VA National Center for PTSD",
    ),
    subscales=(
        SubScale("cluster_b", "Cluster B: intrusion (items 1-5)", _B),
        SubScale("cluster_c", "Cluster C: avoidance (items 6-7)", _C),
        SubScale("cluster_d", "Cluster D: negative cognition/mood (items 8-14)", _D),
        SubScale("cluster_e", "Cluster E: arousal/reactivity (items 15-20)", _E),
    ),
    parameters=(
        Parameter(
            name="probable_ptsd_cutoff",
            default=33,
            choices=(31, 32, 33),
            description="Total at or above which probable_ptsd is flagged; the VA National "
            "Center for PTSD gives 31-33, so the cut-off is configurable within that range.",
            citation=ref("weathers-2013", "VA National Center for PTSD: probable PTSD at 31-33"),
        ),
    ),
    flag_rules=(
        FlagRule(
            flag="probable_ptsd",
            conditions=(TotalAtLeast("probable_ptsd_cutoff"),),
            citation=ref("weathers-2013", "VA National Center for PTSD: probable PTSD at 31-33"),
            description="Total at or above the configured cut-off (default 33).",
        ),
        FlagRule(
            flag="provisional_ptsd_diagnosis",
            conditions=(SymptomCounts(symptom_min=2, groups=((_B, 1), (_C, 1), (_D, 2), (_E, 2))),),
            citation=ref("weathers-2013", "Provisional DSM-5 diagnosis rule"),
            description="An item rated >=2 counts as a symptom; needs >=1 B, >=1 C, >=2 D, >=2 E.",
        ),
    ),
    loinc=LoincCodes(
        panel="101697-1",
        total="101698-9",
        checked_at="M (LOINC mirror only)",
        note="Confirm both codes on loinc.org before release; item codes were not collected.",
    ),
    licence=Licence(
        note="US Government work, public domain. Item text ships.",
        item_text_allowed=True,
        attribution="PCL-5: Weathers, Litz, Keane, Palmieri, Marx & Schnurr (2013), National "
        "Center for PTSD.",
    ),
    safety_note="PCL-5 has no suicide item; pair it with the PHQ-9.",
    notes=(
        "Minimal important difference 9-12 points; <=5 not reliable (Blanchard 2023).",
        "Reliable change 15-18 points; clinically significant change = post score <=28 "
        "(Marx 2022).",
    ),
)
