"""Concentration plot for people: Cp and Ce over time with the infusion shaded (matplotlib, Agg).

matplotlib is imported inside the function so that the engine and its CLI load without it.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Measured Cmax after 0.5 mg/kg over 40 min (Zarate 2006, tabulated in Zanos et al. 2018,
# Table 1; [zanos-2018]).
MEASURED_CMAX_ANCHOR_UG_PER_ML = 0.185


@dataclass(frozen=True)
class PlotSpec:
    """What to draw. Times in min, concentrations in µg/mL, rates in mL/h."""

    title: str
    subtitle: str
    times_min: FloatArray
    plasma_ug_per_ml: FloatArray
    effect_site_ug_per_ml: FloatArray
    infusion_spans_min: Sequence[tuple[float, float]] = ()
    bolus_times_min: Sequence[float] = ()
    target_ug_per_ml: float | None = None
    show_anchor: bool = False
    rate_steps: tuple[FloatArray, FloatArray] | None = (
        None  # (edges_min (S+1,), rate_ml_per_h (S,))
    )
    footnote: str = ""


def merge_spans(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Union of [start, end] intervals, sorted (touching intervals merge)."""
    out: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def render_png(spec: PlotSpec, path: str | os.PathLike[str]) -> None:
    """Draw ``spec`` and write it to ``path`` as PNG (written to a temporary name, then moved)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5.2), dpi=110)
    try:
        for i, (start, end) in enumerate(merge_spans(spec.infusion_spans_min)):
            ax.axvspan(
                start, end, color="#f2c14e", alpha=0.25, lw=0, label="infusion" if i == 0 else None
            )
        if len(spec.bolus_times_min):
            ax.plot(
                list(spec.bolus_times_min),
                [0.0] * len(spec.bolus_times_min),
                ls="none",
                marker="^",
                ms=10,
                color="#b5651d",
                clip_on=False,
                zorder=5,
                label="bolus",
            )
        ax.plot(spec.times_min, spec.plasma_ug_per_ml, color="#1f5fa8", lw=2, label="plasma (Cp)")
        ax.plot(
            spec.times_min,
            spec.effect_site_ug_per_ml,
            color="#c0392b",
            lw=2,
            ls="--",
            label="effect site (Ce, indicative)",
        )
        if spec.target_ug_per_ml is not None:
            ax.axhline(spec.target_ug_per_ml, color="#333333", lw=1, ls="-.", label="target")
        if spec.show_anchor:
            ax.axhline(
                MEASURED_CMAX_ANCHOR_UG_PER_ML,
                color="#777777",
                lw=1,
                ls=":",
                label="measured Cmax 0.185 µg/mL (0.5 mg/kg/40 min, Zarate 2006)",
            )
        ax.set_xlabel("Time since start (min)")
        ax.set_ylabel("Ketamine concentration (µg/mL = mg/L)")
        ax.set_xlim(float(spec.times_min[0]), float(spec.times_min[-1]))
        top = max(float(np.max(spec.plasma_ug_per_ml)), float(np.max(spec.effect_site_ug_per_ml)))
        if spec.target_ug_per_ml is not None:
            top = max(top, spec.target_ug_per_ml)
        ax.set_ylim(0.0, 1.15 * top if top > 0 else 1.0)
        ax.grid(True, alpha=0.3)
        fig.suptitle(spec.title, fontsize=13, fontweight="bold")
        ax.set_title(spec.subtitle, fontsize=9.5)
        handles, labels = ax.get_legend_handles_labels()
        if spec.rate_steps is not None:
            edges, rates = spec.rate_steps
            ax2 = ax.twinx()
            ax2.stairs(rates, edges, color="#2e8b57", lw=1, alpha=0.8, label="pump rate (mL/h)")
            ax2.set_ylabel("Pump rate (mL/h)", color="#2e8b57")
            # Scale to the maintenance rates; a loading rate above them is written, not drawn.
            positive = rates[rates > 0]
            rate_top = 2.5 * float(np.percentile(positive, 90)) if positive.size else 1.0
            ax2.set_ylim(0.0, rate_top)
            for start, end, rate in zip(edges[:-1], edges[1:], rates, strict=True):
                if rate > rate_top:
                    ax2.annotate(
                        f"{rate:.0f} mL/h for {(end - start) * 60:.0f} s",
                        xy=(end, rate_top),
                        xytext=(8, -14),
                        textcoords="offset points",
                        fontsize=8,
                        color="#2e8b57",
                    )
                    break  # the first loading step is the one worth naming
            h2, l2 = ax2.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
        ax.legend(handles, labels, loc="upper right", fontsize=8.5, framealpha=0.9)
        # Wrap long footnotes (citations) so they stay inside the figure.
        footnote = "\n".join(textwrap.fill(line, width=170) for line in spec.footnote.splitlines())
        if footnote:
            fig.text(0.01, 0.01, footnote, fontsize=7.5, color="#555555", ha="left", va="bottom")
        fig.tight_layout(rect=(0, 0.03 + 0.025 * footnote.count("\n") + 0.01, 1, 1))
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        fig.savefig(tmp, format="png")
        os.replace(tmp, target)
    finally:
        plt.close(fig)
