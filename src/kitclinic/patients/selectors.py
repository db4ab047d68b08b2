"""Reading patient data: search, the chart, and staging computed from the trial rows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.roles import Action
from kitclinic.audit.reads import read_record, search_record, worklist_record
from kitclinic.intake import contraindications, eligibility, identity, staging
from kitclinic.intake.allergies import screen_answer_problem
from kitclinic.intake.diagnoses import (
    DEFAULT_CODE_LISTS,
    CodeList,
    DiagnosisCode,
    build_code_list,
)
from kitclinic.intake.eligibility import Indication
from kitclinic.intake.trials import EpisodeSeverity, TreatmentClass, Trial, TrialOutcome
from kitclinic.lib.listing import Column, ListPage, ListSpec, list_page
from kitclinic.patients.models import (
    Allergy,
    ContraindicationScreen,
    Diagnosis,
    EligibilityDecision,
    IndicationCodeList,
    Patient,
    TreatmentTrial,
)

SEARCH_LIMIT = 50
_DATE_PATTERNS = ("%Y-%m-%d", "%m/%d/%Y")


def _as_date(text: str) -> dt.date | None:
    for pattern in _DATE_PATTERNS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def patient_matches(actor: Actor, query: str) -> QuerySet[Patient]:
    """Patients of the actor's organization matching ``query``: a date of birth (YYYY-MM-DD or
    MM/DD/YYYY), an MRN, or the start of the family and/or given name ("smi", "smith, jo",
    "jo smith"), in no particular order. Index-backed prefix matches."""
    actor.require(Action.PATIENT_VIEW)
    qs = Patient.objects.filter(organization_id=actor.organization_id)
    text = query.strip()
    if text:
        born = _as_date(text)
        if born is not None:
            qs = qs.filter(date_of_birth=born)
        else:
            words = [w for w in re.split(r"[\s,]+", text.lower()) if w]
            condition = Q(mrn__iexact=text)
            if len(words) == 1:
                condition |= Q(family_name_key__startswith=words[0]) | Q(
                    given_name_key__startswith=words[0]
                )
            else:
                first, second = words[0], words[1]
                condition |= Q(family_name_key__startswith=first, given_name_key__startswith=second)
                condition |= Q(family_name_key__startswith=second, given_name_key__startswith=first)
            qs = qs.filter(condition)
    return qs


def patient_search(actor: Actor, query: str, *, limit: int = SEARCH_LIMIT) -> QuerySet[Patient]:
    """The first ``limit`` of ``patient_matches`` by name (family, given, id). One query."""
    return patient_matches(actor, query).order_by(*PATIENT_LIST.ordering("name"))[:limit]


# The patient list's columns; each sort has an index ending with the id (Patient.Meta.indexes).
PATIENT_LIST = ListSpec(
    columns=(
        Column("name", "Name", ("family_name_key", "given_name_key")),
        Column("mrn", "MRN", ("mrn",)),
        Column("date_of_birth", "Date of birth", ("date_of_birth",)),
        Column("registered", "Registered", ("created_at",), newest_first=True),
    ),
    default_sort="name",
)


def patient_list_page(actor: Actor, query: str, params: Mapping[str, Any]) -> ListPage[Patient]:
    """The patient list (or a search's matches), one page as ``params`` ask (``page``, ``sort``,
    ``size``: kitclinic.lib.listing), with the total. Two queries whatever the page."""
    return list_page(params, patient_matches(actor, query), PATIENT_LIST)


def patient_search_fields(query: str) -> list[str]:
    """What ``patient_search`` matches ``query`` against: nothing (the whole list), the date of
    birth, or the MRN and the name."""
    text = query.strip()
    if not text:
        return []
    return ["date_of_birth"] if _as_date(text) is not None else ["mrn", "name"]


def patient_search_record(
    actor: Actor, query: str, *, results: int, shown: Iterable[Patient]
) -> None:
    """A search with a query is one search event: the fields searched, how many patients matched
    and which ones were shown, not the text typed; the list without a query is a worklist naming
    the patients shown (kitclinic.audit.reads)."""
    fields = patient_search_fields(query)
    if fields:
        search_record(
            actor,
            what="patients",
            fields=fields,
            results=results,
            patient_ids=[p.pk for p in shown],
        )
    else:
        worklist_record(actor, what="patients", patient_ids=[p.pk for p in shown])


def trials_as_intake(trials: Iterable[TreatmentTrial]) -> list[Trial]:
    return [
        Trial(
            treatment_class=TreatmentClass(t.treatment_class),
            adequate=t.adequate,
            outcome=TrialOutcome(t.outcome),
            current_episode=t.current_episode,
        )
        for t in trials
    ]


def diagnoses_as_intake(diagnoses: Iterable[Diagnosis]) -> list[DiagnosisCode]:
    """The diagnoses on file for the eligibility rules, in the model's order (primary first)."""
    return [DiagnosisCode(d.icd10_code, d.description) for d in diagnoses]


def code_list_of(row: IndicationCodeList) -> CodeList:
    return build_code_list(row.indication, version=row.version, entries=row.entries)


def code_list_in_force(organization_id: int, indication: Indication | str) -> CodeList:
    """The organization's highest published version of the indication's qualifying ICD-10-CM
    codes, else the built-in default (version 1)."""
    indication = Indication(indication)
    row = (
        IndicationCodeList.objects.filter(organization_id=organization_id, indication=indication)
        .order_by("-version")
        .first()
    )
    return DEFAULT_CODE_LISTS[indication] if row is None else code_list_of(row)


def code_lists_in_force(organization_id: int) -> dict[Indication, CodeList]:
    """``code_list_in_force`` for every indication, in one query."""
    highest = (
        IndicationCodeList.objects.filter(
            organization_id=OuterRef("organization_id"), indication=OuterRef("indication")
        )
        .order_by("-version")
        .values("version")[:1]
    )
    lists = dict(DEFAULT_CODE_LISTS)
    for row in IndicationCodeList.objects.filter(
        organization_id=organization_id, version=Subquery(highest)
    ):
        lists[Indication(row.indication)] = code_list_of(row)
    return lists


def code_list_versions(
    organization_id: int, indication: Indication | str
) -> list[IndicationCodeList]:
    """The organization's published versions of an indication's code list, newest first (the
    built-in default, version 1, is not among them)."""
    return list(
        IndicationCodeList.objects.filter(
            organization_id=organization_id, indication=Indication(indication)
        )
        .select_related("published_by")
        .order_by("-version")
    )


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + (end.month - start.month) - (end.day < start.day)


@dataclass(frozen=True)
class Staging:
    adequate_failed_trials: int
    trd_definition_met: bool
    msm: staging.MsmResult
    thase_rush: staging.ThaseRushResult
    episode_duration_months: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "adequate_failed_trials": self.adequate_failed_trials,
            "trd_definition_met": self.trd_definition_met,
            "episode_duration_months": self.episode_duration_months,
            "msm": _plain(self.msm),
            "thase_rush": _plain(self.thase_rush),
        }


def _plain(value: Any) -> Any:
    """JSON-ready copy of a result dataclass (enums as values, mappings as dicts, sets as lists)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, Enum):
        return value.value
    return value


def staging_for(patient: Patient, trials: list[Trial], *, today: dt.date | None = None) -> Staging:
    today = today or timezone.localdate()
    months = (
        _months_between(patient.episode_onset_date, today) if patient.episode_onset_date else None
    )
    severity = EpisodeSeverity(patient.episode_severity) if patient.episode_severity else None
    return Staging(
        adequate_failed_trials=staging.count_adequate_failed_trials(trials),
        trd_definition_met=staging.trd_definition_met(trials),
        msm=staging.maudsley_stage(
            episode_duration_months=months, severity=severity, trials=trials
        ),
        thase_rush=staging.thase_rush_stage(trials),
        episode_duration_months=months,
    )


@dataclass(frozen=True)
class PatientChart:
    patient: Patient
    diagnoses: list[Diagnosis]
    trials: list[TreatmentTrial]
    staging: Staging | None
    latest_screen: ContraindicationScreen | None
    decisions: list[EligibilityDecision]
    # every entry, active first; entered-in-error entries stay listed, struck through
    allergies: list[Allergy] = field(default_factory=list)
    # why the latest screen contradicts the active allergies (a ketamine allergy on file while
    # the screen says no hypersensitivity), else empty
    allergy_screen_problem: str = ""
    # False for a role without Action.CLINICAL_VIEW (the front desk): demographics only, no
    # diagnosis, trial, staging, screen or eligibility
    clinical: bool = True

    @property
    def current_decisions(self) -> list[EligibilityDecision]:
        return [d for d in self.decisions if d.is_current]


def patient_chart(actor: Actor, patient: Patient) -> PatientChart:
    """Everything the chart shows, in a fixed number of queries; the view is audited. A role
    without Action.CLINICAL_VIEW gets the patient without the clinical history."""
    actor.require(Action.PATIENT_VIEW)
    if not actor.may(Action.CLINICAL_VIEW):
        read_record(actor, patient.pk, patient)
        return PatientChart(
            patient=patient,
            diagnoses=[],
            trials=[],
            staging=None,
            latest_screen=None,
            decisions=[],
            clinical=False,
        )
    diagnoses = list(patient.diagnoses.all())
    trials = list(patient.trials.all())
    latest_screen = patient.screens.select_related("recorded_by").first()
    decisions = list(
        patient.eligibility_decisions.select_related("signed_by").order_by("-signed_at", "-id")
    )
    allergies = sorted(patient.allergies.all(), key=lambda a: (not a.is_active, a.recorded_at))
    active = [a.substance for a in allergies if a.is_active]
    read_record(actor, patient.pk, patient)
    return PatientChart(
        patient=patient,
        diagnoses=diagnoses,
        trials=trials,
        staging=staging_for(patient, trials_as_intake(trials)),
        latest_screen=latest_screen,
        decisions=decisions,
        allergies=allergies,
        allergy_screen_problem=(
            (screen_answer_problem(active, latest_screen.answers) or "") if latest_screen else ""
        ),
    )


@dataclass(frozen=True)
class EligibilityPreview:
    outcome: str = ""
    reasons: tuple[Any, ...] = ()
    error: str = ""


def eligibility_previews(patient: Patient) -> list[tuple[str, EligibilityPreview]]:
    """What the rules give now for each indication, shown to the physician before signing."""
    screen = patient.screens.order_by("-recorded_at", "-id").first()
    if screen is None:
        return [("all", EligibilityPreview(error="No contraindication screen recorded yet."))]
    trials = trials_as_intake(patient.trials.all())
    try:
        diagnoses = diagnoses_as_intake(patient.diagnoses.all())
    except ValueError as exc:  # a code stored before the format rule
        return [("all", EligibilityPreview(error=f"A diagnosis on file is malformed: {exc}."))]
    code_lists = code_lists_in_force(patient.organization_id)
    previews = []
    for indication in eligibility.Indication:
        decision = eligibility.decide_eligibility(
            indication=indication,
            screen=screen.answers,
            grouping=contraindications.DEFAULT_GROUPING,
            trials=trials,
            diagnoses=diagnoses,
            code_list=code_lists[indication],
        )
        previews.append(
            (
                indication.value,
                EligibilityPreview(outcome=decision.outcome.value, reasons=decision.reasons),
            )
        )
    return previews


# --- likely duplicate persons -----------------------------------------------------------------

DUPLICATE_CANDIDATES_SHOWN = 10


@dataclass(frozen=True)
class DuplicateCandidate:
    """A patient of the organization who is likely the person being registered, and why."""

    patient: Patient
    reasons: tuple[identity.Match, ...]

    @property
    def reason_text(self) -> str:
        return ", ".join(r.label for r in self.reasons)

    @property
    def reason_values(self) -> list[str]:
        return [r.value for r in self.reasons]


def likely_duplicates(
    organization_id: int, keys: identity.IdentityKeys, *, exclude_id: int | None = None
) -> list[DuplicateCandidate]:
    """Patients of the organization with the same name and date of birth, the same phone or the
    same e-mail as ``keys`` (kitclinic.intake.identity), at most DUPLICATE_CANDIDATES_SHOWN, by
    name. One index-backed query."""
    condition = Q()
    if keys.name:
        condition |= Q(name_match_key=keys.name, date_of_birth=keys.birth_date)
    if keys.phone:
        condition |= Q(phone_key=keys.phone)
    if keys.email:
        condition |= Q(email_key=keys.email)
    if not condition:
        return []
    found = Patient.objects.filter(condition, organization_id=organization_id)
    if exclude_id is not None:
        found = found.exclude(pk=exclude_id)
    found = found.order_by(*PATIENT_LIST.ordering("name"))[:DUPLICATE_CANDIDATES_SHOWN]
    candidates = []
    for patient in found:
        reasons = identity.matches(keys, identity_keys_of(patient))
        if reasons:
            candidates.append(DuplicateCandidate(patient=patient, reasons=tuple(reasons)))
    return candidates


def identity_keys_of(patient: Patient) -> identity.IdentityKeys:
    """The stored keys of a patient (as kitclinic.intake.identity.keys_of computed them)."""
    return identity.IdentityKeys(
        name=patient.name_match_key,
        birth_date=patient.date_of_birth,
        phone=patient.phone_key,
        email=patient.email_key,
    )
