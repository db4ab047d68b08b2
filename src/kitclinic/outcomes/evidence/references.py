"""The publications the information sheets cite, keyed by their plain-language label, and the one
rule for which of them patients may read: a citation still marked for checking ("confirm", "to be
identified") is left out of patient material, with every finding that rests on it."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words in a citation (as recorded in docs/sources.md) that mark a detail not yet checked.
UNVERIFIED_MARKERS = ("confirm", "to be identified")


@dataclass(frozen=True)
class Reference:
    """``key`` is the short label (first author and year); ``citation`` is the citation as
    recorded in docs/sources.md, whose matching key is ``source``; ``journal`` is the journal's
    full name, the part of the plain citation patients read. Neither ``citation`` nor ``source``
    is shown to patients."""

    key: str
    citation: str
    url: str
    journal: str = ""
    first_author: str = ""  # when the key's first word is not the first author's name

    @property
    def lead(self) -> str:
        return self.first_author or self.key.split(" ", 1)[0]

    @property
    def source(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.key.lower()).strip("-")

    @property
    def verified(self) -> bool:
        """Every detail of the citation has been checked against the publication."""
        text = self.citation.lower()
        return bool(self.journal) and not any(m in text for m in UNVERIFIED_MARKERS)

    @property
    def year(self) -> str:
        return self.key.rsplit(" ", 1)[-1]

    @property
    def plain(self) -> str:
        """The citation as patients read it: "McInnes et al., Journal of Affective Disorders,
        2022" (empty for a citation not yet verified)."""
        if not self.verified:
            return ""
        return f"{self.lead} et al., {self.journal}, {self.year}"

    @property
    def short(self) -> str:
        """ "McInnes et al., 2022": the citation next to a finding."""
        return f"{self.lead} et al., {self.year}" if self.verified else ""


def patient_citable(study: str) -> bool:
    """Whether patient material may show a finding of ``study`` (a key of ``REFERENCES``): only
    when its citation is verified. Every finding and response figure a patient reads passes
    through this rule (``figures.figures_for``, ``response.response_rates_for``)."""
    reference = REFERENCES.get(study)
    return reference is not None and reference.verified


# Citations as recorded in docs/sources.md (a "confirm" means a detail still needs checking:
# such a reference has no ``journal`` here and patients never see it or its findings).
REFERENCES: dict[str, Reference] = {
    r.key: r
    for r in (
        Reference(
            "Abdallah 2022",
            "Abdallah et al. Neuropsychopharmacology 2022. doi 10.1038/s41386-022-01266-9",
            "http://www.nature.com/articles/s41386-022-01266-9",
            journal="Neuropsychopharmacology",
        ),
        Reference(
            "Acevedo-Diaz 2020",
            "Acevedo-Diaz et al. J Affect Disord 2020 (188 participants; PMC8457026)",
            "https://omicsdi.org/dataset/biostudies-literature/S-EPMC8457026",
            journal="Journal of Affective Disorders",
        ),
        Reference(
            "Berman 2000",
            "Berman, Cappiello et al. Biol Psychiatry 2000;47(4):351–354",
            "https://scholars.mssm.edu/en/publications/antidepressant-effects-of-ketamine-in-depressed-patients-2",
            journal="Biological Psychiatry",
        ),
        Reference(
            "Chen 2018",
            "Chen MH, Li CT, Lin WC, … Su TP. Psychiatry Res 2018;269:207–211. "
            "doi 10.1016/j.psychres.2018.08.078; PMID 30153598",
            "https://www.ncbi.nlm.nih.gov/pubmed/30153598",
            journal="Psychiatry Research",
        ),
        Reference(
            "Chen 2025",
            "Pharmacopsychiatry 2025. doi 10.1055/a-2499-7207; PMID 39706223 (authors: confirm)",
            "https://thieme-connect.de/products/ejournals/abstract/10.1055/a-2499-7207?lang=de",
        ),
        Reference(
            "Cochrane 2021",
            "Dean RL et al. Ketamine and other glutamate receptor modulators for depression in "
            "adults with unipolar major depressive disorder. Cochrane Database Syst Rev "
            "2021;9(9):CD011612. doi 10.1002/14651858.CD011612.pub3; PMID 34510411",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC8434915/table/CD011612-tbl-0001",
            journal="Cochrane Database of Systematic Reviews",
            first_author="Dean",
        ),
        Reference(
            "Cohen 2018",
            "Cohen et al. (ASRA/AAPM/ASA consensus). Reg Anesth Pain Med 2018;43(5):521–546. "
            "doi 10.1097/AAP.0000000000000808",
            "https://www.asra.com/advisory-guidelines/article/12/intravenous-ketamine-infusions-for-chronic-pain",
            journal="Regional Anesthesia and Pain Medicine",
        ),
        Reference(
            "Ekstrand 2022",
            "Ekstrand et al. (KARMA-Dep). Int J Neuropsychopharmacol 2022",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC9154276",
            journal="International Journal of Neuropsychopharmacology",
        ),
        Reference(
            "Feder 2014",
            "Feder et al. JAMA Psychiatry 2014;71(6):681–688",
            "http://psychjournalclub.com/ptsd/24740528.html",
            journal="JAMA Psychiatry",
        ),
        Reference(
            "Feder 2021",
            "Feder et al. Am J Psychiatry 2021",
            "https://utsouthwestern.elsevierpure.com/en/publications/a-randomized-controlled-trial-of-repeated-ketamine-administration",
            journal="American Journal of Psychiatry",
        ),
        Reference(
            "Glue 2017",
            "Glue et al. J Psychopharmacol 2017;31(10):1302–1305. PMID 28441895",
            "https://pubmed.ncbi.nlm.nih.gov/28441895/",
            journal="Journal of Psychopharmacology",
        ),
        Reference(
            "Han 2016",
            "Han et al. Neuropsychiatr Dis Treat 2016;12:2859–2867",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC5098773",
            journal="Neuropsychiatric Disease and Treatment",
        ),
        Reference(
            "Kiraly 2017",
            "Kiraly et al. Transl Psychiatry 2017;7:e1065",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC5416674",
            journal="Translational Psychiatry",
        ),
        Reference(
            "Kryst 2020",
            "Kryst et al. Pharmacol Rep 2020;72:543–562. doi 10.1007/s43440-020-00097-z",
            "https://link.springer.com/article/10.1007/s43440-020-00097-z",
            journal="Pharmacological Reports",
        ),
        Reference(
            "Lii 2023",
            "Lii et al. Nat Ment Health 2023. PMID 38188539",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC10769130/table/T4",
            journal="Nature Mental Health",
        ),
        Reference(
            "McInnes 2022",
            "McInnes et al. J Affect Disord 2022. doi 10.1016/j.jad.2021.12.097; PMID 35027209",
            "https://stanfordhealthcare.org/publications/837/837264.html",
            journal="Journal of Affective Disorders",
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
            journal="Journal of Clinical Psychiatry",
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
            journal="American Journal of Psychiatry",
        ),
        Reference(
            "Riva-Posse 2018",
            "Riva-Posse et al. J Affect Disord 2018. PMID 29525051",
            "https://pubmed.ncbi.nlm.nih.gov/29525051/",
            journal="Journal of Affective Disorders",
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
            journal="Pain",
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
            journal="Lancet Psychiatry",
        ),
        Reference(
            "Sigtermans 2009",
            "Sigtermans et al. Pain 2009;145:304–311",
            "",
            journal="Pain",
        ),
        Reference(
            "Singh 2016",
            "Singh et al. Am J Psychiatry 2016. doi 10.1176/appi.ajp.2016.16010037",
            "https://psychiatryonline.org/doi/abs/10.1176/appi.ajp.2016.16010037",
            journal="American Journal of Psychiatry",
        ),
        Reference(
            "Strawbridge 2023",
            "Strawbridge et al. J Affect Disord 2023",
            "https://kclpure.kcl.ac.uk/portal/en/publications/peripheral-inflammatory-effects-of-different-interventions-for-tr-2",
            journal="Journal of Affective Disorders",
        ),
        Reference(
            "Szarmach 2020",
            "Szarmach et al. Neuropsychiatr Dis Treat 2020",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC7605942",
            journal="Neuropsychiatric Disease and Treatment",
        ),
        Reference(
            "Taylor 2018",
            "Taylor et al. Neuropsychopharmacology 2018;43:325–333",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC5729569",
            journal="Neuropsychopharmacology",
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
            journal="Translational Psychiatry",
        ),
    )
}
