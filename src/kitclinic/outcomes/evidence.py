"""Published figures the patient information sheet may show, each with its citation.

Every figure here was checked in the publication's own abstract or text (or a PubMed, PMC, publisher
or institutional copy of it); each study's source key is in docs/sources.md, section 8. Numbers
known only from secondary copies, or not confirmed, may not appear: tests/outcomes/test_sheets.py
renders every sheet and looks for each of them. Findings whose citation is still "to be identified
before display" (the Taiwan SI trial) are left out. Changing this module changes
``EVIDENCE_VERSION``'s content hash, so a physician must publish a new sheet version before patients
see it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass

DEPRESSION = "depression"
PTSD = "ptsd"
ANXIETY = "anxiety"
CHRONIC_PAIN = "chronic_pain"
ALL = (DEPRESSION, PTSD, ANXIETY, CHRONIC_PAIN)


@dataclass(frozen=True)
class Reference:
    """``key`` is the plain-language label the sheet shows (authors and year); ``source`` is the
    matching key in docs/sources.md (never shown to patients)."""

    key: str
    citation: str
    url: str

    @property
    def source(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.key.lower()).strip("-")


@dataclass(frozen=True)
class Figure:
    """One published finding in plain words. ``topic`` groups the sheet's sections:
    ``single`` (one infusion), ``course`` (several infusions), ``clinics`` (real-world clinics),
    ``comparison`` (ECT, well-masked trials), ``side_effects``, ``blood_pressure``,
    ``inflammation``. ``study`` is the key of its entry in :data:`REFERENCES`."""

    text: str
    study: str
    topic: str
    indications: tuple[str, ...]


# Citations as recorded in docs/sources.md (a "confirm" means a detail still needs checking).
REFERENCES: dict[str, Reference] = {
    r.key: r
    for r in (
        Reference(
            "Abdallah 2022",
            "Abdallah et al. Neuropsychopharmacology 2022. doi 10.1038/s41386-022-01266-9",
            "http://www.nature.com/articles/s41386-022-01266-9",
        ),
        Reference(
            "Acevedo-Diaz 2020",
            "Acevedo-Diaz et al. J Affect Disord 2020 (188 participants; PMC8457026)",
            "https://omicsdi.org/dataset/biostudies-literature/S-EPMC8457026",
        ),
        Reference(
            "Berman 2000",
            "Berman, Cappiello et al. Biol Psychiatry 2000;47(4):351–354",
            "https://scholars.mssm.edu/en/publications/antidepressant-effects-of-ketamine-in-depressed-patients-2",
        ),
        Reference(
            "Chen 2018",
            "Chen MH, Li CT, Lin WC, … Su TP. Psychiatry Res 2018;269:207–211. "
            "doi 10.1016/j.psychres.2018.08.078; PMID 30153598",
            "https://www.ncbi.nlm.nih.gov/pubmed/30153598",
        ),
        Reference(
            "Chen 2025",
            "Pharmacopsychiatry 2025. doi 10.1055/a-2499-7207; PMID 39706223 (authors: confirm)",
            "https://thieme-connect.de/products/ejournals/abstract/10.1055/a-2499-7207?lang=de",
        ),
        Reference(
            "Cochrane 2021",
            "Cochrane Database Syst Rev 2021, CD011612.pub3 (ketamine and other glutamate "
            "modulators for unipolar depression; authors: confirm). "
            "doi 10.1002/14651858.CD011612.pub3",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC8434915/table/CD011612-tbl-0001",
        ),
        Reference(
            "Cohen 2018",
            "Cohen et al. (ASRA/AAPM/ASA consensus). Reg Anesth Pain Med 2018;43(5):521–546. "
            "doi 10.1097/AAP.0000000000000808",
            "https://www.asra.com/advisory-guidelines/article/12/intravenous-ketamine-infusions-for-chronic-pain",
        ),
        Reference(
            "Ekstrand 2022",
            "Ekstrand et al. (KARMA-Dep). Int J Neuropsychopharmacol 2022",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC9154276",
        ),
        Reference(
            "Feder 2014",
            "Feder et al. JAMA Psychiatry 2014;71(6):681–688",
            "http://psychjournalclub.com/ptsd/24740528.html",
        ),
        Reference(
            "Feder 2021",
            "Feder et al. Am J Psychiatry 2021",
            "https://utsouthwestern.elsevierpure.com/en/publications/a-randomized-controlled-trial-of-repeated-ketamine-administration",
        ),
        Reference(
            "Glue 2017",
            "Glue et al. J Psychopharmacol 2017;31(10):1302–1305. PMID 28441895",
            "https://pubmed.ncbi.nlm.nih.gov/28441895/",
        ),
        Reference(
            "Han 2016",
            "Han et al. Neuropsychiatr Dis Treat 2016;12:2859–2867",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC5098773",
        ),
        Reference(
            "Kiraly 2017",
            "Kiraly et al. Transl Psychiatry 2017;7:e1065",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC5416674",
        ),
        Reference(
            "Kryst 2020",
            "Kryst et al. Pharmacol Rep 2020;72:543–562. doi 10.1007/s43440-020-00097-z",
            "https://link.springer.com/article/10.1007/s43440-020-00097-z",
        ),
        Reference(
            "Lii 2023",
            "Lii et al. Nat Ment Health 2023. PMID 38188539",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC10769130/table/T4",
        ),
        Reference(
            "McInnes 2022",
            "McInnes et al. J Affect Disord 2022. doi 10.1016/j.jad.2021.12.097; PMID 35027209",
            "https://stanfordhealthcare.org/publications/837/837264.html",
        ),
        Reference(
            "McIntyre 2020",
            "McIntyre et al. (Canadian Rapid Treatment Center of Excellence) 2020; "
            "journal: confirm",
            "https://experts.mcmaster.ca/display/publication1914851",
        ),
        Reference(
            "Oliver 2022",
            "Oliver et al. J Clin Psychiatry 2022;83(6):21m14336. PMID 36112599",
            "https://www.psychiatrist.com/jcp/clinical-effectiveness-intravenous-racemic-ketamine-treatment-resistant-depression-suicidal-ideation-generalized-anxiety-symptoms/",
        ),
        Reference(
            "Park 2017",
            'Park et al. (NIMH) 2017, "Change in cytokine levels is not associated with rapid '
            'antidepressant response to ketamine"; journal: confirm',
            "https://utsouthwestern.elsevierpure.com/en/publications/change-in-cytokine-levels-is-not-associated-with-rapid-antidepres",
        ),
        Reference(
            "Phillips 2019",
            "Phillips et al. Am J Psychiatry 2019;176(5):401–409. "
            "doi 10.1176/appi.ajp.2018.18070834; PMID 30922101",
            "https://pubmed.ncbi.nlm.nih.gov/30922101/",
        ),
        Reference(
            "Riva-Posse 2018",
            "Riva-Posse et al. J Affect Disord 2018. PMID 29525051",
            "https://pubmed.ncbi.nlm.nih.gov/29525051/",
        ),
        Reference(
            "Rodrigues (CRTCE)",
            "Rodrigues et al. (Canadian Rapid Treatment Center of Excellence), safety and "
            "tolerability of repeated IV ketamine, 203 patients; indexed as 2022; journal: confirm",
            "",
        ),
        Reference(
            "Schwartzman 2009",
            "Schwartzman et al. Pain 2009. doi 10.1016/j.pain.2009.08.015; NCT00579085",
            "https://journals.lww.com/pain/Abstract/2009/12150/Outpatient_intravenous_ketamine_for_the_treatment.21.aspx",
        ),
        Reference(
            "Shiroma 2014",
            'Shiroma et al. "Augmentation of response and remission to serial intravenous '
            'subanesthetic ketamine in treatment resistant depression", 2014 '
            "(J Affect Disord: confirm)",
            "https://experts.umn.edu/en/publications/augmentation-of-response-and-remission-to-serial-intravenous-suba",
        ),
        Reference(
            "Short 2018",
            "Short et al. Lancet Psychiatry 2018;5:65–78. PMID 28757132",
            "https://pubmed.ncbi.nlm.nih.gov/28757132/",
        ),
        Reference(
            "Sigtermans 2009",
            "Sigtermans et al. Pain 2009;145:304–311",
            "",
        ),
        Reference(
            "Singh 2016",
            "Singh et al. Am J Psychiatry 2016. doi 10.1176/appi.ajp.2016.16010037",
            "https://psychiatryonline.org/doi/abs/10.1176/appi.ajp.2016.16010037",
        ),
        Reference(
            "Strawbridge 2023",
            "Strawbridge et al. J Affect Disord 2023",
            "https://kclpure.kcl.ac.uk/portal/en/publications/peripheral-inflammatory-effects-of-different-interventions-for-tr-2",
        ),
        Reference(
            "Szarmach 2020",
            "Szarmach et al. Neuropsychiatr Dis Treat 2020",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC7605942",
        ),
        Reference(
            "Taylor 2018",
            "Taylor et al. Neuropsychopharmacology 2018;43:325–333",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC5729569",
        ),
        Reference(
            "Transl Psychiatry 2024",
            "Predicting non-response to repeated ketamine, 135 patients. "
            "doi 10.1038/s41398-024-03027-2 (authors: confirm)",
            "http://preview-www.nature.com/articles/s41398-024-03027-2",
        ),
        Reference(
            "Zhan 2020",
            "Zhan et al. Transl Psychiatry 2020;10:246. doi 10.1038/s41398-020-00933-z",
            "https://www.proquest.com/publiccontent/docview/2426006549",
        ),
    )
}

FIGURES: tuple[Figure, ...] = (
    # Depression, one infusion.
    Figure(
        "In controlled trials one infusion improved depression within a day; the largest effect "
        "was at 24 hours and it was still present at day 7. On average the response to a single "
        'dose lasts "around 1 week".',
        "Kryst 2020",
        "single",
        (DEPRESSION,),
    ),
    Figure(
        "Across the ketamine groups of 9 randomised trials (368 patients), 52.2% responded at "
        "24 hours, 47.9% at 72 hours and 39.8% at day 7; 20.6%, 23.8% and 26.2% were in "
        "remission at those times.",
        "Han 2016",
        "single",
        (DEPRESSION,),
    ),
    Figure(
        "Compared with a salt-water (saline) placebo, the modelled response at 24 hours was "
        "27.4% with ketamine against 8.8% with placebo; compared with midazolam (an active "
        "placebo that also makes people feel something) it was 46.5% against 25.9%. The "
        "reviewers rated the certainty of this evidence as very low.",
        "Cochrane 2021",
        "single",
        (DEPRESSION,),
    ),
    # Depression, courses.
    Figure(
        "In a study of 12 people given 6 infusions over 12 days, 3 of 12 had responded after "
        "the first infusion and 11 of 12 after the sixth; 8 of 12 were in remission after the "
        "sixth. Mean time to relapse was 16 days.",
        "Shiroma 2014",
        "course",
        (DEPRESSION,),
    ),
    Figure(
        "In a controlled study of 41 patients, 59% responded after a series of 6 infusions over "
        "2 weeks; the median number of infusions to response was 3. After a course, relapse "
        "came on average 18–19 days later.",
        "Phillips 2019",
        "course",
        (DEPRESSION,),
    ),
    Figure(
        "In 135 patients, no improvement after 4 infusions signalled that the course as a whole "
        "was unlikely to work (sensitivity above 90%). This is why your team reviews progress "
        "after the fourth infusion.",
        "Transl Psychiatry 2024",
        "course",
        (DEPRESSION,),
    ),
    # Real-world clinics.
    Figure(
        "In 537 clinic patients given 4–8 infusions over 7–28 days, 53.6% responded and 28.9% "
        "reached remission (PHQ-9); 8.4% got worse.",
        "McInnes 2022",
        "clinics",
        (DEPRESSION,),
    ),
    Figure(
        "In 424 clinic patients, 50% responded and 20% reached remission within 6 weeks; after "
        "10 infusions 72% had responded and 38% were in remission (PHQ-9).",
        "Oliver 2022",
        "clinics",
        (DEPRESSION,),
    ),
    Figure(
        "In 213 clinic patients, 27% had responded and 13% were in remission after 4 infusions "
        "(QIDS-SR16).",
        "McIntyre 2020",
        "clinics",
        (DEPRESSION,),
    ),
    # Comparisons.
    Figure(
        "In 186 inpatients, 46% reached remission with ketamine and 63% with ECT; both needed a "
        "median of 6 sessions, and most people who remitted relapsed within 12 months (70% after "
        "ketamine, 63% after ECT).",
        "Ekstrand 2022",
        "comparison",
        (DEPRESSION,),
    ),
    Figure(
        "In a trial where patients could not tell which treatment they had (ketamine or saline "
        "given during surgical anaesthesia, 40 patients), 60% against 50% responded on day 1, "
        "not a significant difference.",
        "Lii 2023",
        "comparison",
        (DEPRESSION,),
    ),
    # PTSD.
    Figure(
        "In 30 people with PTSD given 6 infusions over 2 weeks, 67% responded with ketamine "
        "against 20% with midazolam; the median time until the response was lost was 27.5 days.",
        "Feder 2021",
        "course",
        (PTSD,),
    ),
    Figure(
        "In 158 veterans and service members given 8 infusions, ketamine brought no significant "
        "benefit for PTSD (the 0.5 mg/kg dose did improve depression).",
        "Abdallah 2022",
        "course",
        (PTSD,),
    ),
    Figure(
        "In 41 people with PTSD, a single infusion reduced PTSD severity at 24 hours more than "
        "midazolam did, but the effect was short-lived.",
        "Feder 2014",
        "single",
        (PTSD,),
    ),
    # Anxiety.
    Figure(
        "In 18 people with social anxiety, a single infusion gave a response in 33.3% against "
        "0% with placebo on the LSAS scale.",
        "Taylor 2018",
        "single",
        (ANXIETY,),
    ),
    Figure(
        "In 12 people with generalised or social anxiety given ketamine as injections under the "
        "skin (not a drip), anxiety fell within 1 hour and the effect lasted up to 7 days; 10 of "
        "12 responded at 0.5–1 mg/kg.",
        "Glue 2017",
        "single",
        (ANXIETY,),
    ),
    # Chronic pain.
    Figure(
        'A consensus guideline found evidence supporting ketamine for chronic pain "but the '
        'level of evidence varies by condition and dose range".',
        "Cohen 2018",
        "course",
        (CHRONIC_PAIN,),
    ),
    Figure(
        "In 60 people with CRPS-1 given a 4.2-day infusion, pain was lowest at week 1 (2.68 "
        "against 5.45 on a 0–10 scale) but the difference was no longer significant at week 12, "
        "and function did not improve.",
        "Sigtermans 2009",
        "course",
        (CHRONIC_PAIN,),
    ),
    Figure(
        "In CRPS, 4-hour infusions daily for 10 days reduced many pain measures, against none "
        "with placebo (both groups also received clonidine and midazolam).",
        "Schwartzman 2009",
        "course",
        (CHRONIC_PAIN,),
    ),
    # Side effects.
    Figure(
        "In 188 participants most side effects peaked within 1 hour and had resolved by 2 hours; "
        'the most common was "feeling strange, weird or loopy". No serious drug-related events '
        "occurred.",
        "Acevedo-Diaz 2020",
        "side_effects",
        ALL,
    ),
    Figure(
        "In a randomised trial, headache, anxiety, dissociation, nausea and dizziness each "
        "affected at least 20% of people; dissociation passed quickly and lessened with repeat "
        "doses.",
        "Singh 2016",
        "side_effects",
        ALL,
    ),
    Figure(
        "In 203 clinic patients given repeated infusions: drowsiness 56.4%, dizziness 45.2%, "
        "dissociation 35.6%, nausea 13.3%; fewer than 5% stopped because of side effects, and "
        "there was no psychosis, mania or new suicidal thinking.",
        "Rodrigues (CRTCE)",
        "side_effects",
        ALL,
    ),
    Figure(
        "With a multi-day infusion for pain, psychological side effects (such as strange "
        "perceptions) occurred in 76% against 18% with placebo.",
        "Sigtermans 2009",
        "side_effects",
        (CHRONIC_PAIN,),
    ),
    Figure(
        "Reporting of side effects in studies is selective, and data on long-term and repeated "
        "use are limited.",
        "Short 2018",
        "side_effects",
        ALL,
    ),
    Figure(
        "In 684 infusions (66 patients), the largest average blood-pressure rise was at 30 "
        "minutes, +3.3/+3.2 mmHg; no infusion had to be stopped, pressure returned to baseline "
        "after the infusion and did not build up from infusion 1 to 6.",
        "Riva-Posse 2018",
        "blood_pressure",
        ALL,
    ),
    Figure(
        "Blood pressure and heart rate were back to baseline within 1.5 hours.",
        "Szarmach 2020",
        "blood_pressure",
        ALL,
    ),
    Figure(
        "In a community clinic, 44.3% of patients reached 165/100 mmHg or more at some point, "
        "and 12% of those needed medicine to lower it.",
        "Rodrigues (CRTCE)",
        "blood_pressure",
        ALL,
    ),
)

# Inflammation, clinician-facing (the lab panels). The evidence is mixed.
INFLAMMATION_NOTE = (
    "No patient-facing claim that “ketamine reduces inflammation” or that “inflammation predicts "
    "response” is supported."
)
INFLAMMATION_FINDINGS: tuple[tuple[str, str, str], ...] = (
    (
        "Kiraly 2017",
        "IL-6 raised in TRD at baseline; short-lived cytokine changes after ketamine, none "
        "related to response",
        "No link",
    ),
    (
        "Park 2017",
        "80 patients: cytokine changes did not predict mood change; ketamine increased IL-6",
        "Against",
    ),
    (
        "Chen 2018",
        "71 patients: TNF-α fell at 40 and 240 min; fall at 40 min correlated with improvement "
        "(0.5 mg/kg group)",
        "For (exploratory)",
    ),
    (
        "Zhan 2020",
        "60 patients, 6 infusions: 14 of 19 cytokines fell incl. IL-6, TNF-α; IL-6 change "
        "correlated weakly with improvement (r = −0.26); uncontrolled",
        "For (uncontrolled)",
    ),
    (
        "Chen 2025",
        "167 patients: antidepressant effect only in those without low-grade inflammation "
        "(CRP ≥3 mg/L)",
        "Against",
    ),
    (
        "Strawbridge 2023",
        "34 ketamine studies: pro-inflammatory markers rose more often than fell; confounded",
        "Against",
    ),
)

TRIAL_CAVEAT = (
    "Most trials are small and many are open-label; ketamine is easy to recognise, so many "
    "trials were not well blinded and may overstate the benefit. Studies define “response” "
    "(usually a drop of at least half on the named scale) and “remission” (a score below the "
    "study's cut-off) differently, so the figures below name the scale and the number of "
    "infusions."
)

SIDE_EFFECT_SUMMARY = (
    "Dissociation and strange feelings are common during the infusion and usually clear within "
    "about 2 hours; blood pressure rises for a short time during the infusion (largest average "
    "rise at 30 minutes in a series of 684 infusions) and returns to baseline within about 1.5 "
    "hours; some people need medicine to lower it."
)


def figures_for(indication: str, *topics: str) -> list[Figure]:
    return [f for f in FIGURES if indication in f.indications and (not topics or f.topic in topics)]


def _digest() -> str:
    payload = repr(
        (
            [asdict(f) for f in FIGURES],
            [asdict(r) for r in REFERENCES.values()],
            TRIAL_CAVEAT,
            SIDE_EFFECT_SUMMARY,
        )
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


# Changes whenever any figure, citation or wording above changes.
EVIDENCE_VERSION = f"evidence-{_digest()}"
