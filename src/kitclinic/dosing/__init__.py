"""Dose-error reduction for IV ketamine: the drug library and the dose checker (no Django).

The infusions app stores a library version as the dict of ``library_to_dict`` and rebuilds it
with ``library_from_dict``; an order is checked with ``check_dose(protocol, ...)``.
"""

from .checker import DoseCheck, DoseInputError, Finding, Severity, check_dose, worst
from .default_library import DEFAULT_LIBRARY_DATA, LIBRARY_VERSION, default_library
from .library.model import (
    CourseTemplate,
    DosingMode,
    DrugLibrary,
    Indication,
    LibraryError,
    Limits,
    Protocol,
    Source,
    SourcedValue,
    SourceKind,
    TreatmentKind,
    VitalsSchedule,
    VitalThreshold,
    vitals_times_during_min,
)
from .library.parse import library_from_dict, library_from_json
from .library.serialize import library_to_dict, protocol_to_dict

__all__ = [
    "DEFAULT_LIBRARY_DATA",
    "LIBRARY_VERSION",
    "CourseTemplate",
    "DoseCheck",
    "DoseInputError",
    "DosingMode",
    "DrugLibrary",
    "Finding",
    "Indication",
    "LibraryError",
    "Limits",
    "Protocol",
    "Severity",
    "Source",
    "SourceKind",
    "SourcedValue",
    "TreatmentKind",
    "VitalThreshold",
    "VitalsSchedule",
    "check_dose",
    "default_library",
    "library_from_dict",
    "library_from_json",
    "library_to_dict",
    "protocol_to_dict",
    "vitals_times_during_min",
    "worst",
]
