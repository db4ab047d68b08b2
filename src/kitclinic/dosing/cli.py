"""``kitclinic dose check ...`` and ``kitclinic dose library`` against the default drug library;
``kitclinic dose diff OLD NEW`` between two library files (as exported from the library page).

Exit status of ``check``: 0 all findings ok, 3 at least one soft finding (may be overridden with a
reason and a co-signature), 4 at least one hard finding (the order must change), 2 invalid
arguments (the reason on stderr, naming the argument and the allowed values). ``diff`` exits 0
with the difference (``-`` for the shipped default as OLD or NEW), or 2 when a file is not a
library the rules accept (the same rules as the library page's forms), naming the file and the
field path.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any

from .checker import DoseCheck, DoseInputError, Severity, check_dose, to_decimal
from .default_library import default_library
from .library.diff import library_diff
from .library.model import (
    DosingMode,
    DrugLibrary,
    Indication,
    LibraryError,
    Limits,
    Protocol,
    SourcedValue,
)
from .library.parse import library_from_json
from .library.serialize import library_to_dict
from .units import format_number, format_quantity

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_SOFT = 3
EXIT_HARD = 4
EXIT_BY_STATUS = {Severity.OK: EXIT_OK, Severity.SOFT: EXIT_SOFT, Severity.HARD: EXIT_HARD}

# checker field -> the option that fed it, so an input error names what the user typed
OPTION_FOR_FIELD = {
    "weight_kg": "--weight-kg",
    "previous_weight_kg": "--previous-weight-kg",
    "duration_min": "--duration-min",
    "concentration_mg_per_ml": "--concentration-mg-per-ml",
    "hours_since_last": "--hours-since-last",
    "cumulative_mg_last_7_days": "--cumulative-mg-7d",
}


def _number(text: str) -> Decimal:
    """argparse type: a finite decimal number (argparse names the option in its error)."""
    try:
        return to_decimal("value", text)
    except DoseInputError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    # no abbreviated options: "--weight 154" must not silently mean --weight-kg (units in names, W1)
    parser = argparse.ArgumentParser(
        prog="kitclinic dose",
        description="Dose-error reduction checks (default drug library).",
        allow_abbrev=False,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser(
        "check",
        allow_abbrev=False,
        help="check one order",
        description="Check one order. Exit 0 ok, 3 soft finding, 4 hard finding, 2 bad input.",
    )
    check.add_argument("--indication", required=True, choices=[str(i) for i in Indication])
    check.add_argument(
        "--protocol", metavar="ID", help="protocol id (default: the indication's default)"
    )
    check.add_argument("--weight-kg", type=_number, required=True, help="today's measured weight")
    check.add_argument("--previous-weight-kg", type=_number, help="last recorded weight")
    dose = check.add_mutually_exclusive_group(required=True)
    dose.add_argument("--dose-mg-per-kg", type=_number, help="total dose (mg/kg protocols)")
    dose.add_argument("--dose-mg-per-kg-per-h", type=_number, help="rate (mg/kg/h protocols)")
    check.add_argument("--duration-min", type=_number, required=True)
    check.add_argument("--concentration-mg-per-ml", type=_number, required=True)
    check.add_argument("--hours-since-last", type=_number, help="hours since the last session")
    check.add_argument(
        "--cumulative-mg-7d", type=_number, help="mg given in the 7 days before this order"
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")

    library = sub.add_parser("library", help="list the default library with sources")
    library.add_argument("--json", action="store_true", help="print the stored (dict) form")

    diff = sub.add_parser(
        "diff",
        allow_abbrev=False,
        help="what a library file changes compared with another",
        description="The difference between two library files (JSON as exported); '-' is the "
        "shipped default. Each is checked by the library's rules first.",
    )
    diff.add_argument("old", metavar="OLD", help="the library file compared with ('-': default)")
    diff.add_argument("new", metavar="NEW", help="the library file that changes it")
    diff.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _usage_error(message: str) -> int:
    print(f"kitclinic dose: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _choose_protocol(library: DrugLibrary, indication: str, protocol_id: str | None) -> Protocol:
    if protocol_id is None:
        try:
            return library.default_protocol(indication)
        except KeyError:
            raise LookupError(
                f"argument --indication: the library has no protocol for {indication}"
            ) from None
    choices = [p.id for p in library.protocols_for(indication)]
    if protocol_id not in choices:
        raise LookupError(
            f"argument --protocol: unknown protocol {protocol_id!r} for indication {indication} "
            f"(choose from {', '.join(choices)})"
        )
    return library.protocol(protocol_id)


def _check_text(result: DoseCheck) -> str:
    lines = [
        f"{result.protocol_id}: {str(result.status).upper()}",
        f"  dose {format_quantity(result.dose_mg, 'mg', 2)}"
        f" ({format_quantity(result.dose, result.dose_unit)})"
        f" over {format_quantity(result.duration_min, 'min', 1)}",
        f"  rate {format_quantity(result.rate_mg_per_h, 'mg/h', 2)}"
        f" ({format_quantity(result.rate_mg_per_kg_per_h, 'mg/kg/h')})",
        f"  pump at {format_quantity(result.concentration_mg_per_ml, 'mg/mL')}:"
        f" {format_quantity(result.rate_ml_per_h, 'mL/h', 2)},"
        f" VTBI {format_quantity(result.volume_ml, 'mL', 2)}",
    ]
    lines += [f"  [{f.severity}] {f.code}: {f.message}" for f in result.findings]
    return "\n".join(lines)


def _run_check(args: argparse.Namespace) -> int:
    library = default_library()
    try:
        protocol = _choose_protocol(library, args.indication, args.protocol)
    except LookupError as error:
        return _usage_error(str(error.args[0]))
    # U2: the dosing unit is fixed per protocol; a dose in the other unit is a wrong-field entry
    if protocol.dosing_mode is DosingMode.MG_PER_KG_OVER_DURATION:
        dose, option, wrong = args.dose_mg_per_kg, "--dose-mg-per-kg", "--dose-mg-per-kg-per-h"
    else:
        dose, option, wrong = (
            args.dose_mg_per_kg_per_h,
            "--dose-mg-per-kg-per-h",
            "--dose-mg-per-kg",
        )
    if dose is None:
        return _usage_error(
            f"argument {wrong}: protocol {protocol.id} is dosed in {protocol.dose_unit}; "
            f"give {option}"
        )
    try:
        result = check_dose(
            protocol,
            weight_kg=args.weight_kg,
            previous_weight_kg=args.previous_weight_kg,
            dose=dose,
            duration_min=args.duration_min,
            concentration_mg_per_ml=args.concentration_mg_per_ml,
            hours_since_last=args.hours_since_last,
            cumulative_mg_last_7_days=args.cumulative_mg_7d,
        )
    except DoseInputError as error:
        field = OPTION_FOR_FIELD.get(error.field, option)
        message = str(error).removeprefix(error.field).strip()
        return _usage_error(f"argument {field}: {message}")
    if args.json:
        payload = {"library_version": library.version, **result.to_dict()}
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(_check_text(result))
    return EXIT_BY_STATUS[result.status]


def _value_text(value: SourcedValue | None, unit: str) -> str:
    if value is None:
        return "not set"
    shown = format_quantity(value.value, unit) if unit else format_number(value.value)
    return f"{shown} [{value.source.label}]"


def _limits_lines(title: str, limits: Limits | None, unit: str) -> list[str]:
    if limits is None:
        return []
    lines = [f"  {title}:"]
    for bound in ("hard_min", "soft_min", "soft_max", "hard_max"):
        value = getattr(limits, bound)
        if value is not None:
            lines.append(f"    {bound}: {_value_text(value, unit)}")
    if len(lines) == 1:
        lines.append("    not set")
    return lines


def _protocol_text(protocol: Protocol) -> list[str]:
    unit = protocol.dose_unit
    lines = [
        f"{protocol.id}{' (default)' if protocol.is_default else ''}: {protocol.name}",
        f"  indication: {protocol.indication}; dosing mode: {protocol.dosing_mode}",
        f"  default dose: {_value_text(protocol.default_dose, unit)}",
        f"  default duration: {_value_text(protocol.default_duration_min, 'min')}",
    ]
    lines += _limits_lines(f"dose limits ({unit})", protocol.dose_limits, unit)
    lines += _limits_lines("duration limits", protocol.duration_limits_min, "min")
    lines += _limits_lines("rate limits", protocol.rate_limits_mg_per_kg_per_h, "mg/kg/h")
    lines += _limits_lines("total dose limits (hard_max = L5 cap)", protocol.dose_limits_mg, "mg")
    lines.append("  standard concentrations:")
    lines += [f"    {_value_text(c, 'mg/mL')}" for c in protocol.concentrations_mg_per_ml]
    lines += _limits_lines("weight limits", protocol.weight_limits_kg, "kg")
    change = protocol.weight_change_max_fraction
    lines.append(
        f"  weight change alert above: {format_number(change.value * 100, 1)}% "
        f"[{change.source.label}]"
    )
    lines += _limits_lines("interval since last session", protocol.interval_limits_h, "h")
    lines += _limits_lines("7-day cumulative dose", protocol.weekly_limits_mg_per_kg, "mg/kg")
    course = protocol.course
    if course is None:
        lines.append("  induction course: none in the sources")
    else:
        lines.append("  induction course:")
        lines.append(f"    infusions: {_value_text(course.infusions, '')}")
        lines.append(f"    window: {_value_text(course.window_days, 'days')}")
        lines.append(f"    at most per week: {_value_text(course.max_per_week, '')}")
        lines.append(f"    review after infusion: {_value_text(course.review_after_infusion, '')}")
    schedule = protocol.vitals_schedule
    lines.append("  vitals schedule:")
    lines.append(f"    during infusion every {_value_text(schedule.during_every_min, 'min')}")
    lines.append(f"    after infusion every {_value_text(schedule.after_every_min, 'min')}")
    lines.append("  vitals thresholds:")
    for t in protocol.vitals_thresholds:
        baseline = " rise over baseline" if t.relative_to_baseline else ""
        lines.append(
            f"    {t.code}: {t.vital}{baseline} {t.direction} "
            f"{_value_text(t.limit, '')} -> {t.action}"
        )
    if protocol.notes:
        lines.append(f"  notes: {protocol.notes}")
    return lines


def _run_library(args: argparse.Namespace) -> int:
    library = default_library()
    if args.json:
        print(json.dumps(library_to_dict(library), ensure_ascii=False, indent=2))
        return EXIT_OK
    out: list[str] = [f"{library.drug}: library {library.version}", ""]
    for protocol in library.protocols:
        out += _protocol_text(protocol)
        out.append("")
    print("\n".join(out).rstrip())
    return EXIT_OK


def _load(path: str, name: str) -> DrugLibrary:
    if path == "-":
        return default_library()
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise LookupError(f"argument {name}: cannot read {path} ({error.strerror})") from None
    try:
        return library_from_json(text)
    except LibraryError as error:
        raise LookupError(f"argument {name}: {path}: {error.field}: {error.problem}") from None


def _run_diff(args: argparse.Namespace) -> int:
    try:
        old, new = _load(args.old, "OLD"), _load(args.new, "NEW")
    except LookupError as error:
        return _usage_error(str(error))
    diff = library_diff(old, new)
    if args.json:
        print(json.dumps({"changes": diff.audit_changes(), "lines": diff.lines()}, indent=2))
    else:
        print("\n".join(diff.lines()) if not diff.is_empty else "No difference.")
    return EXIT_OK


def main(argv: list[str]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse has printed usage and the error on stderr; --help exits 0
        code: Any = exit_.code
        return code if isinstance(code, int) else EXIT_USAGE
    if args.command == "check":
        return _run_check(args)
    if args.command == "diff":
        return _run_diff(args)
    return _run_library(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
