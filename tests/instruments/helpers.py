"""Answer builders that reach a chosen total without using the library's own scoring code."""

from __future__ import annotations

# Item count and top answer per item, written from the instruments' sources (docs/sources.md).
SHAPE: dict[str, tuple[int, int]] = {
    "phq9": (9, 3),
    "gad7": (7, 3),
    "pcl5": (20, 4),
    "madrs": (10, 6),
    "cadss": (23, 4),
    "aldrete": (5, 2),
    "peg": (3, 10),
    "qids-sr16": (16, 3),
}

# QIDS-SR16 scores nine domains; the first item of each domain carries the domain's score.
QIDS_DOMAIN_FIRST_ITEMS = (1, 5, 6, 10, 11, 12, 13, 14, 15)


def answers_for_total(instrument_id: str, total: int) -> list[int]:
    """Fill items greedily (item 1 first) so that their plain sum is ``total``."""
    n_items, top = SHAPE[instrument_id]
    answers = [0] * n_items
    slots = (
        [i - 1 for i in QIDS_DOMAIN_FIRST_ITEMS]
        if instrument_id == "qids-sr16"
        else list(range(n_items))
    )
    remaining = total
    for index in slots:
        answers[index] = min(top, remaining)
        remaining -= answers[index]
    assert remaining == 0, f"{instrument_id} cannot reach {total}"
    return answers
