"""Building blocks shared by several scale definitions."""

from __future__ import annotations

from ..model import AnswerOption, Citation


def ref(source: str, text: str, url: str | None = None, *, verified: bool = True) -> Citation:
    """A citation: the short text plus its ``source`` key in docs/sources.md (without brackets)."""
    return Citation(text=f"{text} [{source}]", url=url, verified=verified)


# PHQ-9 / GAD-7 answer list (LOINC LL358-3; [loinc]).
FREQUENCY_2_WEEKS: tuple[AnswerOption, ...] = (
    AnswerOption(0, "Not at all", "LA6568-5"),
    AnswerOption(1, "Several days", "LA6569-3"),
    AnswerOption(2, "More than half the days", "LA6570-1"),
    AnswerOption(3, "Nearly every day", "LA6571-9"),
)


def numeric_options(
    low: int, high: int, anchors: dict[int, str] | None = None
) -> tuple[AnswerOption, ...]:
    """Options ``low..high`` labelled by their number, plus an anchor word where one is known."""
    anchors = anchors or {}
    return tuple(
        AnswerOption(v, f"{v} ({anchors[v]})" if v in anchors else str(v))
        for v in range(low, high + 1)
    )


def singletons(n: int) -> tuple[tuple[int, ...], ...]:
    """Groups for a plain sum of items 1..n."""
    return tuple((i,) for i in range(1, n + 1))
