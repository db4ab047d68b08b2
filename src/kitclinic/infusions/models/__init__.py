"""Infusion models: the drug library, courses and scheduling, and the session record."""

from kitclinic.infusions.models.courses import Appointment, Chair, OpeningHours, TreatmentCourse
from kitclinic.infusions.models.library import DrugLibraryVersion, LibraryStatus
from kitclinic.infusions.models.nasal import BloodPressureMoment, NasalBloodPressure, NasalDevice
from kitclinic.infusions.models.sessions import (
    Addendum,
    AdverseEvent,
    CheckIn,
    CheckInCorrection,
    Discharge,
    DoubleCheck,
    EventKind,
    InfusionOrder,
    InfusionSession,
    PregnancyStatus,
    ReturnedOrder,
    ReturnKind,
    ScoreKind,
    SessionEvent,
    SessionScore,
    SignedRecordError,
    VitalSign,
)

__all__ = [
    "Addendum",
    "AdverseEvent",
    "Appointment",
    "BloodPressureMoment",
    "Chair",
    "OpeningHours",
    "CheckIn",
    "CheckInCorrection",
    "Discharge",
    "DoubleCheck",
    "DrugLibraryVersion",
    "EventKind",
    "InfusionOrder",
    "InfusionSession",
    "LibraryStatus",
    "NasalBloodPressure",
    "NasalDevice",
    "PregnancyStatus",
    "ReturnKind",
    "ReturnedOrder",
    "ScoreKind",
    "SessionEvent",
    "SessionScore",
    "SignedRecordError",
    "TreatmentCourse",
    "VitalSign",
]
