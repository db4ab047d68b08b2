"""``kitclinic outcomes analyze``: cohort outcomes from a CSV of one instrument's ratings.

Input columns (header row required, others ignored): ``patient_id``, ``infusion_number``
(whole number >= 0; 0 = baseline before the first infusion), ``score``. One course per patient;
each patient's rows in infusion order (patients may interleave).

Exit codes: 0 success; 2 bad command line, unknown instrument, unreadable file or malformed row
(message on stderr naming the line).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kitclinic.outcome_stats.cohort import CohortSummary, cohort_summary
from kitclinic.outcome_stats.courses import OutcomeCriteria, course_outcomes
from kitclinic.outcome_stats.cutoffs import (
    DEFAULT_REMISSION_CUTOFFS,
    RemissionCutoff,
    resolve_instrument,
)
from kitclinic.outcome_stats.table import ScoreTable

REQUIRED_COLUMNS = ("patient_id", "infusion_number", "score")
DECIMALS = 4
_WHOLE = re.compile(r"[+-]?\d+")


class InputError(Exception):
    """A problem with the input that the user must fix; the message is shown as is."""


@dataclass(frozen=True, slots=True)
class _Rows:
    patient_id: list[str]
    infusion_number: list[int]
    score: list[float]


def read_ratings_csv(path: Path, cutoff: RemissionCutoff) -> _Rows:
    """Parse and check the CSV; raise :class:`InputError` naming the line of the first problem."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _parse(csv.reader(handle), cutoff)
    except FileNotFoundError:
        raise InputError("no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read ({exc})") from None
    except csv.Error as exc:
        raise InputError(f"not a valid CSV ({exc})") from None


def _parse(reader: Any, cutoff: RemissionCutoff) -> _Rows:
    header: list[str] | None = None
    rows = _Rows([], [], [])
    seen: dict[tuple[str, int], int] = {}
    # Each patient's rows must come in infusion order, so a row typed under the wrong patient or
    # with a wrong infusion number is caught rather than silently re-sorted.
    previous: dict[str, tuple[int, int]] = {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # blank lines carry nothing; spreadsheets often leave them
        if header is None:
            header = [cell.strip() for cell in record]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise InputError(
                    f"line {line}: missing column {', '.join(missing)} "
                    f"(need {', '.join(REQUIRED_COLUMNS)})"
                )
            index = {c: header.index(c) for c in REQUIRED_COLUMNS}
            continue
        values = {}
        for column, i in index.items():
            value = record[i].strip() if i < len(record) else ""
            if not value:
                raise InputError(f"line {line}: missing value in column {column}")
            values[column] = value
        patient = values["patient_id"]
        if not _WHOLE.fullmatch(values["infusion_number"]):
            raise InputError(
                f"line {line}: infusion_number {values['infusion_number']!r} is not a whole number"
            )
        infusion = int(values["infusion_number"])
        if infusion < 0:
            raise InputError(f"line {line}: infusion_number {infusion} is negative (0 = baseline)")
        try:
            score = float(values["score"])
        except ValueError:
            raise InputError(f"line {line}: score {values['score']!r} is not a number") from None
        if not math.isfinite(score):
            raise InputError(f"line {line}: score {values['score']!r} is not a number")
        if not cutoff.score_min <= score <= cutoff.score_max:
            raise InputError(
                f"line {line}: score {score:g} is outside the {cutoff.label} range "
                f"{cutoff.score_min:g}-{cutoff.score_max:g}"
            )
        first = seen.setdefault((patient, infusion), line)
        if first != line:
            raise InputError(
                f"line {line}: duplicate rating for patient_id {patient!r} at infusion_number "
                f"{infusion} (first on line {first})"
            )
        last = previous.get(patient)
        if last is not None and infusion < last[0]:
            raise InputError(
                f"line {line}: infusion_number {infusion} for patient_id {patient!r} is lower "
                f"than on its previous row (infusion_number {last[0]} on line {last[1]}); "
                "list each patient's ratings in infusion order"
            )
        previous[patient] = (infusion, line)
        rows.patient_id.append(patient)
        rows.infusion_number.append(infusion)
        rows.score.append(score)
    if header is None:
        raise InputError(f"line 1: empty file (need a header: {', '.join(REQUIRED_COLUMNS)})")
    return rows


def analyze(rows: _Rows, cutoff: RemissionCutoff) -> tuple[CohortSummary, int]:
    """Run the engine on CLI rows; returns the summary and the largest included infusion number."""
    n = len(rows.score)
    infusions = np.array(rows.infusion_number, dtype=np.int64)
    table = ScoreTable.from_columns(
        patient_id=np.array(rows.patient_id, dtype=str),
        course_id=np.full(n, "", dtype=str),
        infusion_number=infusions,
        # One rating per infusion number, so the infusion number itself orders the ratings.
        time_point_days=infusions.astype(np.float64),
        instrument=np.array([cutoff.instrument] * n, dtype=str),
        score=np.array(rows.score, dtype=np.float64),
        cutoffs={cutoff.instrument: cutoff},
    )
    outcomes = course_outcomes(table, OutcomeCriteria(cutoffs={cutoff.instrument: cutoff}))
    max_infusion = max((o.last_infusion for o in outcomes if o.included), default=0)
    return cohort_summary(outcomes), max_infusion


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, DECIMALS)


def summary_json(summary: CohortSummary, max_infusion: int) -> dict[str, Any]:
    """The ``--json`` document (rates, bounds and survival rounded to :data:`DECIMALS`)."""
    km = summary.infusions_to_response
    steps = np.arange(1, max_infusion + 1)
    survival = km.survival_at(steps) if steps.size else np.empty(0)
    r, q = summary.response, summary.remission
    return {
        "patients": summary.n_included,
        "responders": r.successes,
        "response_rate": _round(r.estimate),
        "response_ci95": None if r.lower is None else [_round(r.lower), _round(r.upper)],
        "remitters": q.successes,
        "remission_rate": _round(q.estimate),
        "median_infusions_to_response": summary.median_infusions_to_response,
        "km": [
            {"infusion": int(i), "not_yet_responded": _round(float(s))}
            for i, s in zip(steps, survival, strict=True)
        ],
        "excluded": summary.n_excluded,
    }


def summary_text(doc: dict[str, Any], cutoff: RemissionCutoff) -> str:
    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:.1f}%"

    ci = doc["response_ci95"]
    ci_text = "" if ci is None else f" (95% CI {pct(ci[0])} to {pct(ci[1])}, Wilson)"
    median = doc["median_infusions_to_response"]
    lines = [
        f"Instrument: {cutoff.label}; response = score <= 50% of baseline, "
        f"remission = {cutoff.describe()}; judged at each patient's last rating.",
        f"Patients included: {doc['patients']} (excluded, no usable baseline: {doc['excluded']})",
        f"Responders: {doc['responders']} = {pct(doc['response_rate'])}{ci_text}",
        f"Remitters:  {doc['remitters']} = {pct(doc['remission_rate'])}",
        "Median infusions to first response (Kaplan-Meier): "
        + ("not reached" if median is None else str(median)),
    ]
    if doc["km"]:
        lines.append("Not yet responded after infusion:")
        lines += [f"  {p['infusion']:>3}  {pct(p['not_yet_responded'])}" for p in doc["km"]]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kitclinic outcomes",
        description="Response, remission and infusions to response for a cohort (no database).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    analyze_p = sub.add_parser(
        "analyze",
        help="analyse a CSV of one instrument's ratings",
        description=(
            "CSV columns: patient_id, infusion_number (0 = baseline), score. Response and "
            "remission are judged on each patient's last rating; patients without a baseline "
            "(or with a baseline of 0) are excluded and counted. Rates are rounded to 4 decimals."
        ),
    )
    analyze_p.add_argument("--csv", required=True, type=Path, help="input CSV file")
    analyze_p.add_argument(
        "--instrument",
        required=True,
        help=f"one of: {', '.join(sorted(DEFAULT_REMISSION_CUTOFFS))}",
    )
    analyze_p.add_argument("--json", action="store_true", help="print JSON instead of text")
    return parser


def main(argv: Sequence[str]) -> int:
    try:
        args = build_parser().parse_args(list(argv))
    except SystemExit as exc:  # argparse exits on --help (0) and on usage errors (2)
        return int(exc.code) if isinstance(exc.code, int) else 2
    try:
        cutoff = resolve_instrument(args.instrument)
    except KeyError as exc:
        print(f"kitclinic outcomes: {exc.args[0]}", file=sys.stderr)
        return 2
    try:
        rows = read_ratings_csv(args.csv, cutoff)
    except InputError as exc:
        print(f"kitclinic outcomes: {args.csv}: {exc}", file=sys.stderr)
        return 2
    summary, max_infusion = analyze(rows, cutoff)
    doc = summary_json(summary, max_infusion)
    print(json.dumps(doc) if args.json else summary_text(doc, cutoff))
    return 0
