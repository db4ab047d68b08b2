"""Synthetic rating trajectories and item answers that add up to a given total."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

# (kind, weight): the mix of synthetic trajectories, roughly in the range the clinic series in
# [mcinnes-2022], [oliver-2022] and [mcintyre-2020] report (about half responding after a course, a
# quarter remitting).
ARCHETYPES = (("remitter", 28), ("responder", 30), ("partial", 24), ("non", 18))


@dataclass
class Trajectory:
    kind: str
    baseline: int
    end_fraction: float
    onset_fraction: float  # share of the baseline lost 24 h after infusion 1
    relapses: bool

    def fraction_after(self, k: int, n: int) -> float:
        """Fraction of the baseline left after ``k`` of ``n`` infusions (smooth approach)."""
        if k <= 0:
            return 1.0
        shape = (1 - math.exp(-k / 1.8)) / (1 - math.exp(-n / 1.8))
        return 1.0 - (1.0 - self.end_fraction) * shape


def kinds(rng: random.Random, n: int) -> list[str]:
    """``n`` trajectory kinds in the proportions of ``ARCHETYPES``, in a shuffled order."""
    deck = [kind for kind, weight in ARCHETYPES for _ in range(weight)]
    rng.shuffle(deck)
    picked = [deck[round(i * len(deck) / max(n, 1)) % len(deck)] for i in range(n)]
    rng.shuffle(picked)
    return picked


def trajectory(rng: random.Random, kind: str, scale_max: int, low: int) -> Trajectory:
    baseline = rng.randint(low, scale_max)
    end = {
        "remitter": rng.uniform(0.02, 0.14),
        "responder": rng.uniform(0.3, 0.48),
        "partial": rng.uniform(0.55, 0.78),
        "non": rng.uniform(0.82, 1.05),
    }[kind]
    onset = {"remitter": (0.2, 0.5), "responder": (0.15, 0.45), "partial": (0.05, 0.3)}.get(
        kind, (0.0, 0.15)
    )
    return Trajectory(
        kind, baseline, end, rng.uniform(*onset), kind != "non" and rng.random() < 0.2
    )


def answers(rng: random.Random, scale: str, total: float) -> list[int]:
    """Item answers whose total is ``total`` (rounded, clipped to what the items allow)."""
    if scale == "peg":
        level = max(0, min(10, round(total)))
        return [level, max(0, min(10, level + rng.choice([-1, 0, 1]))), level]
    items, top = {"phq9": (8, 3), "gad7": (7, 3), "pcl5": (20, 4)}[scale]
    left = max(0, min(items * top, round(total)))
    answers = [0] * items
    order = list(range(items))
    rng.shuffle(order)
    while left:
        for i in order:
            if left and answers[i] < top:
                answers[i] += 1
                left -= 1
    return answers + ([0] if scale == "phq9" else [])  # PHQ-9 item 9 stays 0


SCALE_MAX = {"phq9": 24, "gad7": 21, "pcl5": 80, "peg": 10}
SCALE_LOW = {"phq9": 14, "gad7": 11, "pcl5": 38, "peg": 5}
# The rating scale counted on the dashboard per indication (PHQ-9 also for PTSD, as on its sheet);
# the check-in records the indication's own scale (kitclinic.infusions INDICATION_SCALE).
COUNTED_SCALE = {"depression": "phq9", "ptsd": "phq9", "anxiety": "gad7", "chronic_pain": "peg"}


def answers_cadss(rng: random.Random, total: float) -> list[int]:
    left = max(0, min(23 * 4, round(total)))
    answers = [0] * 23
    while left:
        i = rng.randrange(23)
        if answers[i] < 4:
            answers[i] += 1
            left -= 1
    return answers


def noisy(rng: random.Random, t: Trajectory, fraction: float, scale: str) -> float:
    top = SCALE_MAX[scale]
    noise = rng.uniform(-1.0, 1.0) * max(1.0, top / 24)
    return max(0.0, min(float(top), t.baseline * fraction + noise))
