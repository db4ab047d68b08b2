"""``kitclinic billing infusion-codes --minutes N [--json]`` and
``kitclinic billing esketamine-code --dose-mg D [--json]``.

Exit status: 0 with the codes, 2 on bad input (the reason on stderr, naming the option and what it
accepts). Sources: [cpt-infusion], [hcpcs-esketamine].
"""

from __future__ import annotations

import argparse
import json
import sys

from .codes import CODE_DESCRIPTORS, MAX_INFUSION_MIN, BillingCodeError, esketamine_code
from .codes import infusion_codes as codes_for_minutes

EXIT_USAGE = 2
OPTION_FOR_FIELD = {"minutes": "--minutes", "dose_mg": "--dose-mg"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kitclinic billing",
        description="CPT/HCPCS codes for an IV ketamine infusion or an esketamine visit.",
        allow_abbrev=False,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    infusion = sub.add_parser(
        "infusion-codes",
        allow_abbrev=False,
        help="codes for an IV infusion of N minutes",
        description="96374 (15 min or less), 96365 (16-90 min), 96366 per further hour.",
    )
    infusion.add_argument(
        "--minutes",
        required=True,
        help=f"whole minutes the infusion ran, 1 to {MAX_INFUSION_MIN}",
    )
    infusion.add_argument("--json", action="store_true", help="print one JSON object")
    esketamine = sub.add_parser(
        "esketamine-code",
        allow_abbrev=False,
        help="code for an esketamine nasal spray visit",
        description="G2082 (56 mg) or G2083 (84 mg).",
    )
    esketamine.add_argument("--dose-mg", required=True, help="the dose given: 56 or 84")
    esketamine.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _usage(error: BillingCodeError) -> int:
    option = OPTION_FOR_FIELD.get(error.field, error.field)
    print(f"kitclinic billing: error: {option}: {error.message}", file=sys.stderr)
    return EXIT_USAGE


def _whole_minutes(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise BillingCodeError(
            "minutes",
            f"a whole number of minutes (1 to {MAX_INFUSION_MIN}) is required, got {text!r}",
        ) from None


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors; report, don't exit
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if args.command == "infusion-codes":
            codes = codes_for_minutes(_whole_minutes(args.minutes))
            if args.json:
                print(json.dumps({"codes": [c.to_json_dict() for c in codes]}))
            else:
                for c in codes:
                    print(f"{c.code} x{c.units}  {CODE_DESCRIPTORS[c.code]}")
            return 0
        code = esketamine_code(args.dose_mg)
    except BillingCodeError as error:
        return _usage(error)
    if args.json:
        print(json.dumps({"code": code}))
    else:
        print(f"{code}  {CODE_DESCRIPTORS[code]}")
    return 0
