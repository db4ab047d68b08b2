"""``kitclinic pk``: read the arguments, run the subcommand, exit 2 naming the flag at fault."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ..errors import PharmacologyInputError
from ..models import MODELS
from . import arguments
from .simulate import run_simulate
from .tci import run_tci


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = arguments.parser().parse_args(args_list)
        if args.command == "models":
            print(_models_text())
            return 0
        if args.command == "simulate":
            return run_simulate(args)
        return run_tci(args)
    except arguments.UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except PharmacologyInputError as exc:
        flag = arguments.FLAG_FOR_FIELD.get(exc.field, exc.field)
        print(f"kitclinic pk: error: {flag} {str(exc)[len(exc.field) + 1 :]}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)


def _models_text() -> str:
    lines = []
    for m in MODELS.values():
        lines.append(f"{m.key}: {m.title}. {m.citation}")
        lines.append(f"    population: {m.population}; {m.structure}")
        lines.append(f"    status: {m.status}")
        for key, opt in m.ke0_options.items():
            default = " (default)" if key == m.default_ke0 else ""
            lines.append(f"    ke0 {key}{default}: {opt.source}")
    return "\n".join(lines)
