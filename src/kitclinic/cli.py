"""The ``kitclinic`` console script: the project's manage.py.

Commands backed by a pure core (pharmacology, rating scales, dose checks, outcome statistics) run
without Django and need no database; everything else is a Django management command
(``kitclinic migrate``, ``kitclinic runserver``, ``kitclinic seed_demo`` ...).
"""

from __future__ import annotations

import importlib
import os
import sys

# command name -> module with ``main(argv: list[str]) -> int``
PURE_COMMANDS: dict[str, str] = {
    "pk": "kitclinic.pharmacology.cli.main",
    "score": "kitclinic.instruments.cli",
    "dose": "kitclinic.dosing.cli",
    "outcomes": "kitclinic.outcome_stats.cli",
    "billing": "kitclinic.billing_codes.cli",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in PURE_COMMANDS:
        try:
            module = importlib.import_module(PURE_COMMANDS[args[0]])
        except ModuleNotFoundError:
            print(
                f"kitclinic: the command {args[0]!r} is not available in this build",
                file=sys.stderr,
            )
            return 2
        return int(module.main(args[1:]) or 0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kitclinic.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kitclinic", *args])
    if not args or args[0] in {"help", "--help", "-h"}:
        print("\n[kitclinic pure-core commands, no database needed]")
        for name in sorted(PURE_COMMANDS):
            print(f"    {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
