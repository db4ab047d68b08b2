"""The state diagram in docs/infusions.md is the state machine: every Mermaid edge is a
transition of TRANSITIONS and every transition is an edge, so neither can change alone."""

from __future__ import annotations

import re
from pathlib import Path

from kitclinic.infusions.states import TRANSITIONS, SessionState, Step

DOC = Path(__file__).resolve().parents[2] / "docs" / "infusions.md"
EDGE = re.compile(r"^\s*(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)\s*(?::\s*(.*?))?\s*$")


def _diagram(text: str) -> list[str]:
    """The lines of the ```mermaid block under "## The state machine"."""
    section = text.split("## The state machine", 1)[1]
    block = section.split("```mermaid", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if line.strip()]
    assert lines[0].strip() == "stateDiagram-v2"
    return lines[1:]


def _edges(lines: list[str]) -> set[tuple[str, str, str]]:
    """(step, from state, to state) for every labelled edge between two states."""
    edges: set[tuple[str, str, str]] = set()
    for line in lines:
        match = EDGE.match(line)
        assert match, f"not an edge: {line!r}"
        source, target, label = match.groups()
        if "[*]" in (source, target):
            continue
        assert label, f"an edge without its step: {line!r}"
        for step in label.split(","):
            edges.add((step.strip(), source, target))
    return edges


def _table() -> set[tuple[str, str, str]]:
    return {
        (step.value, state.value, (following or state).value)
        for (step, state), following in TRANSITIONS.items()
    }


def test_the_documented_diagram_lists_exactly_the_transitions_of_the_code():
    documented = _edges(_diagram(DOC.read_text()))
    table = _table()
    assert documented - table == set(), "in the doc but not in TRANSITIONS"
    assert table - documented == set(), "in TRANSITIONS but not in the doc"


def test_every_name_in_the_diagram_is_a_real_step_and_state():
    for step, source, target in _edges(_diagram(DOC.read_text())):
        assert step in {s.value for s in Step}
        assert {source, target} <= {s.value for s in SessionState}


def test_the_check_fails_for_a_drifted_diagram():
    lines = _diagram(DOC.read_text())
    dropped = [line for line in lines if "send_back" not in line]
    assert ("send_back", "ordered", "checked_in") in _table() - _edges(dropped)
    invented = [*lines, "    signed --> scheduled: check_in"]
    assert ("check_in", "signed", "scheduled") in _edges(invented) - _table()
