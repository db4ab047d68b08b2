"""The demo clinic's people: its organization, two clinics, one user per role and the patients
with their clinical histories, eligibility screens and decisions (called by
kitclinic.demo.seed.seed_demo).

Deterministic (a ``random.Random`` with the demo's seed), every record marked synthetic. The
benchmarks (bench/) take the names and the clinical lists too. Names, MRNs and histories are
invented; nothing here describes a real person.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from kitclinic.accounts.actor import Actor
from kitclinic.accounts.models import Clinic, Organization, StaffMembership, User
from kitclinic.accounts.roles import Role
from kitclinic.intake import contraindications
from kitclinic.intake.eligibility import decide_eligibility
from kitclinic.patients import services
from kitclinic.patients.selectors import code_list_in_force, diagnoses_as_intake, trials_as_intake

DEMO_SEED = 20261127
DEMO_PASSWORD = "kitclinic-demo"
DEMO_ORGANIZATION = "Demo Ketamine Clinics (synthetic)"
DEMO_USERS: list[tuple[str, Role, str]] = [
    ("physician", Role.PHYSICIAN, "Dr. Maya Okafor"),
    ("nurse", Role.NURSE, "Jordan Lee, RN"),
    ("frontdesk", Role.FRONT_DESK, "Casey Morgan"),
    ("admin", Role.CLINIC_ADMIN, "Riley Chen"),
    ("auditor", Role.AUDITOR, "Sam Patel"),
]

FAMILY_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
]
GIVEN_NAMES = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Chris",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Alex",
    "Ashley",
    "Sam",
    "Emily",
    "Taylor",
    "Kim",
    "Jordan",
    "Morgan",
    "Avery",
    "Quinn",
]
# (ICD-10-CM code, description, indication); codes from [icd-10-cm].
# (substance, category, criticality, reaction): common allergies, none to ketamine
DEMO_ALLERGIES = [
    ("Penicillin", "medication", "high", "Hives and facial swelling"),
    ("Sulfonamide antibiotics", "medication", "low", "Rash"),
    ("Latex", "environment", "low", "Contact dermatitis"),
    ("Peanuts", "food", "high", "Anaphylaxis"),
    ("Codeine", "medication", "low", "Nausea and vomiting"),
]

DIAGNOSES = [
    (
        "F33.2",
        "Major depressive disorder, recurrent, severe without psychotic features",
        "depression",
    ),
    ("F33.1", "Major depressive disorder, recurrent, moderate", "depression"),
    (
        "F32.2",
        "Major depressive disorder, single episode, severe without psychotic features",
        "depression",
    ),
    ("F32.1", "Major depressive disorder, single episode, moderate", "depression"),
    ("F43.12", "Post-traumatic stress disorder, chronic", "ptsd"),
    ("F41.1", "Generalized anxiety disorder", "anxiety"),
    ("G90.50", "Complex regional pain syndrome I, unspecified", "chronic_pain"),
    ("M79.7", "Fibromyalgia", "chronic_pain"),
]
COMORBID = [("F41.1", "Generalized anxiety disorder"), ("F34.1", "Dysthymic disorder")]
# The physician's rationale the demo signs with (signing eligible always needs one).
DEMO_RATIONALE = {
    "eligible": "Qualifying diagnosis, history and screen reviewed with the patient; "
    "agree with the rules (synthetic demo)."
}
# (name, class, typical dose)
ANTIDEPRESSANTS = [
    ("Sertraline", "ssri", "150 mg/day"),
    ("Escitalopram", "ssri", "20 mg/day"),
    ("Fluoxetine", "ssri", "40 mg/day"),
    ("Venlafaxine XR", "snri", "225 mg/day"),
    ("Duloxetine", "snri", "60 mg/day"),
    ("Bupropion XL", "other_antidepressant", "300 mg/day"),
    ("Mirtazapine", "other_antidepressant", "30 mg/day"),
    ("Nortriptyline", "tca", "100 mg/day"),
    ("Phenelzine", "maoi", "60 mg/day"),
]
AUGMENTATION = [
    ("Aripiprazole", "augmentation", "5 mg/day"),
    ("Lithium", "augmentation", "900 mg/day"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    clinic: str


def seed_people(
    patients: int, seed: int
) -> tuple[list[DemoLogin], dict[Role, Actor], list[Clinic]]:
    """The organization, its two clinics (the first is home to everyone), one user per role of
    ``DEMO_USERS`` (the physician and the nurse at both clinics) and ``patients`` patients, as of
    today. Returns the logins, each role's actor at the first clinic, and the clinics."""
    rng = random.Random(seed)
    org = Organization.objects.create(name=DEMO_ORGANIZATION, slug="demo", is_synthetic=True)
    north = Clinic.objects.create(
        organization=org, name="Northside Infusion Center", is_synthetic=True
    )
    south = Clinic.objects.create(
        organization=org, name="Southside Infusion Center", is_synthetic=True
    )
    logins: list[DemoLogin] = []
    actors: dict[Role, Actor] = {}
    for username, role, display in DEMO_USERS:
        first, _, last = display.replace("Dr. ", "").replace(", RN", "").partition(" ")
        user = User(
            username=username,
            display_name=display,
            first_name=first,
            last_name=last,
            # A reserved domain (RFC 2606): with the console mail backend of `make run` the
            # demo's escalation e-mails to physicians are printed, never delivered.
            email=f"{username}@example.org",
            is_synthetic=True,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        membership = StaffMembership.objects.create(user=user, clinic=north, role=role.value)
        logins.append(DemoLogin(username, role.value, north.name))
        if role in (Role.PHYSICIAN, Role.NURSE):
            StaffMembership.objects.create(user=user, clinic=south, role=role.value)
            logins.append(DemoLogin(username, role.value, south.name))
        actors[role] = Actor(user=user, membership=membership, client_address="127.0.0.1")
    nurse, physician = actors[Role.NURSE], actors[Role.PHYSICIAN]
    today = timezone.localdate()  # the opening day, under the seed's clock (kitclinic.demo.seed)
    for number in range(1, patients + 1):
        _seed_patient(rng, number, today, nurse, physician)
    return logins, actors, [north, south]


def _seed_patient(
    rng: random.Random, number: int, today: dt.date, nurse: Actor, physician: Actor
) -> None:
    age = rng.randint(19, 78)
    born = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
    family, given = rng.choice(FAMILY_NAMES), rng.choice(GIVEN_NAMES)
    patient = services.patient_register(
        actor=nurse,
        data=services.Demographics(
            mrn=f"DEMO-{number:05d}",
            family_name=family,
            given_name=given,
            date_of_birth=born,
            sex_at_birth=rng.choice(["female", "female", "male", "male", "intersex"]),
            phone=f"555-01{rng.randint(0, 99):02d}",
            email=f"{given.lower()}.{family.lower()}{number}@example.org",
            emergency_contact_name=f"{rng.choice(GIVEN_NAMES)} {family}",
            emergency_contact_relationship=rng.choice(["spouse", "parent", "sibling", "friend"]),
            emergency_contact_phone=f"555-02{rng.randint(0, 99):02d}",
        ),
        is_synthetic=True,
        # The synthetic people share the 100 fictional 555-01xx numbers, so many look alike by
        # phone; they are registered as the different people they are (and audited as such).
        confirm_not_duplicate=True,
    )
    code, text, indication = rng.choices(DIAGNOSES, weights=[6, 5, 3, 3, 3, 2, 1, 1])[0]
    services.diagnosis_add(
        actor=nurse, patient=patient, icd10_code=code, description=text, is_primary=True
    )
    if rng.random() < 0.3:
        extra_code, extra_text = rng.choice(COMORBID)
        if extra_code != code:
            services.diagnosis_add(
                actor=nurse, patient=patient, icd10_code=extra_code, description=extra_text
            )
    if indication == "depression":
        services.episode_update(
            actor=nurse,
            patient=patient,
            onset_date=today - dt.timedelta(days=rng.randint(60, 2000)),
            severity=rng.choice(
                ["moderate", "severe_without_psychosis", "severe_without_psychosis", "mild"]
            ),
        )
    trial_count = (
        rng.choice([0, 1, 2, 2, 3, 3, 4, 5, 6])
        if indication != "chronic_pain"
        else rng.choice([0, 1])
    )
    for name, klass, dose in rng.sample(ANTIDEPRESSANTS, k=min(trial_count, len(ANTIDEPRESSANTS))):
        weeks = rng.choice([3, 6, 8, 8, 10, 12, 16])
        services.trial_add(
            actor=nurse,
            patient=patient,
            treatment_name=name,
            treatment_class=klass,
            dose_text=dose,
            weeks=weeks,
            adequate=weeks >= 6,
            outcome=rng.choice(["no_response", "no_response", "partial_response", "intolerance"]),
            current_episode=rng.random() < 0.85,
        )
    if trial_count >= 3 and rng.random() < 0.4:
        name, klass, dose = rng.choice(AUGMENTATION)
        services.trial_add(
            actor=nurse,
            patient=patient,
            treatment_name=name,
            treatment_class=klass,
            dose_text=dose,
            weeks=8,
            adequate=True,
            outcome="no_response",
        )
    # Every fifth patient has an allergy on the list; chosen by number, not by the random
    # stream, so the rest of the demo stays as it was.
    if number % 5 == 2:
        substance, category, criticality, reaction = DEMO_ALLERGIES[
            (number // 5) % len(DEMO_ALLERGIES)
        ]
        services.allergy_add(
            actor=nurse,
            patient=patient,
            substance=substance,
            category=category,
            criticality=criticality,
            reaction=reaction,
        )
    if rng.random() < 0.75:
        answers = {item.code: False for item in contraindications.CATALOGUE}
        if rng.random() < 0.2:
            answers[
                rng.choice(
                    [
                        "uncontrolled_cardiovascular_disease",
                        "substance_use_disorder",
                        "bipolar_without_mood_stabilizer",
                    ]
                )
            ] = True
        if rng.random() < 0.03:
            answers["active_psychosis"] = True
        services.screen_record(actor=nurse, patient=patient, answers=answers)
        if rng.random() < 0.7:
            computed = decide_eligibility(
                indication=indication,
                screen=answers,
                grouping=contraindications.DEFAULT_GROUPING,
                trials=trials_as_intake(patient.trials.all()),
                diagnoses=diagnoses_as_intake(patient.diagnoses.all()),
                code_list=code_list_in_force(patient.organization_id, indication),
            )
            services.eligibility_decide(
                actor=physician,
                patient=patient,
                indication=indication,
                outcome=computed.outcome.value,
                rationale=DEMO_RATIONALE.get(computed.outcome.value, ""),
            )
