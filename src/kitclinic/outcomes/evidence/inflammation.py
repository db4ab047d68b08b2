"""Inflammation and ketamine, clinician-facing (the lab panels): the evidence is mixed, so
nothing here goes on a patient sheet."""

from __future__ import annotations

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
