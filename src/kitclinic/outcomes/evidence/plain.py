"""The summary box each information sheet opens with: what the treatment is, what to expect, what
most people notice, the main risks and who to call, in short sentences and everyday words
(reading grade 8 or below, which tests/outcomes/test_sheet_summary.py measures for every sheet).

Every statement rests on a finding the sheet shows further down with its study: the side effects
passing within about 2 hours (Acevedo-Diaz 2020), blood pressure back to its usual level within
about an hour and a half (Szarmach 2020), limited long-term data (Short 2018), response often
needing several infusions and fading within weeks (Phillips 2019), the mixed PTSD results (Feder
2021, Abdallah 2022) and the pain results fading by week 12 (Sigtermans 2009).
"""

from __future__ import annotations

from kitclinic.outcomes.evidence.figures import ANXIETY, CHRONIC_PAIN, DEPRESSION, PTSD

WHAT_IT_IS = (
    "Ketamine is a medicine doctors also use to put people to sleep for surgery. We give a much "
    "lower dose. It goes slowly into a vein through a drip (an infusion) while you sit in a "
    "chair."
)
WHAT_TO_EXPECT = (
    "You come for a set of visits over a few weeks. A nurse stays with you the whole time and "
    "checks your blood pressure and breathing. You rest here after each drip. You must not drive "
    "that day: an adult must take you home."
)
OUTLOOK = {
    DEPRESSION: "Most people need more than one drip before they feel a change. Some people do "
    "not get better at all. When it helps, the effect can fade in a few weeks.",
    PTSD: "Tests of ketamine for PTSD have mixed results. It helped in one small study but not in "
    "a larger one. Some people do not get better at all.",
    ANXIETY: "Only a few small studies have tested ketamine for anxiety. In them, the effect "
    "lasted up to a week. Some people do not get better at all.",
    CHRONIC_PAIN: "In one kind of long-lasting pain, people had less pain in the first weeks. By "
    "3 months the difference from a dummy drug was gone. Some people do not get better at all.",
}
WHAT_PEOPLE_NOTICE = (
    "During the drip, many people feel strange, dreamy or far away. Some feel sleepy, dizzy or "
    "sick. These feelings most often pass within 2 hours."
)
MAIN_RISKS = (
    "Your blood pressure goes up for a short time. It is most often back to normal within about "
    "an hour and a half. A few people need a medicine to bring it down. We know little about the "
    "effects of many drips over years."
)
WHO_TO_CALL = (
    "Call the clinic if you have questions, or if you feel unwell after a visit. Tell the nurse "
    "at once if you feel unwell during the drip. If you have thoughts of harming yourself, call "
    "a crisis line or emergency services right away."
)


def summary_for(indication: str) -> list[tuple[str, str]]:
    """The summary box of ``indication``'s sheet: (heading, text) in reading order. A sheet is
    the organization's, so it names no clinic's own crisis line (a clinic setting); the
    questionnaire pages show that one."""
    return [
        ("What it is", WHAT_IT_IS),
        ("What to expect", f"{WHAT_TO_EXPECT} {OUTLOOK[indication]}"),
        ("What most people notice", WHAT_PEOPLE_NOTICE),
        ("The main risks", MAIN_RISKS),
        ("Who to call", WHO_TO_CALL),
    ]
