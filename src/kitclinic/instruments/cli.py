"""``kitclinic score <instrument> --answers 1,0,2,... [--json] [--set name=value]``.

Exit status: 0 scored, 2 bad usage (unknown instrument, wrong answer count, invalid answer or
setting) with the reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import cast

from .model import InstrumentError, ParamValue, ScoreResult
from .registry import INSTRUMENT_IDS, get_instrument
from .scoring import Answers, score_instrument

USAGE_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kitclinic score",
        description="Score a rating scale. Instruments: " + ", ".join(INSTRUMENT_IDS),
    )
    parser.add_argument("instrument", help="instrument id: " + ", ".join(INSTRUMENT_IDS))
    parser.add_argument(
        "--answers",
        required=True,
        help="item scores in item order, comma separated; leave an entry empty or '-' for an "
        "item the form lets the patient skip (QIDS-SR16 groups)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a documented instrument setting, e.g. probable_ptsd_cutoff=31",
    )
    return parser


def _parse_answers(text: str) -> list[int | str | None]:
    """Integers where the token is one; the raw token otherwise, so the engine names the item."""
    out: list[int | str | None] = []
    for token in (t.strip() for t in text.split(",")):
        if token in {"", "-"}:
            out.append(None)
        else:
            try:
                out.append(int(token))
            except ValueError:
                out.append(token)
    return out


def _parse_setting(text: str) -> tuple[str, ParamValue]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise InstrumentError(f"--set expects NAME=VALUE, got {text!r}")
    lowered = raw.strip().lower()
    value: ParamValue
    if lowered in {"none", "null", ""}:
        value = None
    elif lowered in {"true", "false"}:
        value = lowered == "true"
    else:
        try:
            value = int(raw)
        except ValueError:
            value = raw.strip()
    return name.strip(), value


def _human(result: ScoreResult, name: str) -> str:
    parts = [f"{name}: total {result.total} of {result.max}"]
    if result.severity_label is not None:
        parts.append(f"severity {result.severity_label}")
    parts.extend(f"{s.key} {s.total}/{s.max}" for s in result.subscores)
    parts.append("flags: " + (", ".join(result.flags) if result.flags else "none"))
    return "; ".join(parts)


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors; report, don't exit
        return int(exc.code) if isinstance(exc.code, int) else USAGE_ERROR
    try:
        instrument = get_instrument(args.instrument)
        settings = dict(_parse_setting(s) for s in args.set)
        # Non-integer tokens pass through so the engine's error names the item and allowed values.
        answers = cast(Answers, _parse_answers(args.answers))
        result = score_instrument(instrument, answers, settings)
    except InstrumentError as exc:
        print(f"kitclinic score: {exc}", file=sys.stderr)
        return USAGE_ERROR
    if args.json:
        print(json.dumps(result.to_json_dict()))
    else:
        print(_human(result, instrument.name))
    return 0
