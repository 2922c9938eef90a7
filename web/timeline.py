"""The timeline: matching stories per month as a small bar chart, drawn on the server, each bar
with its count above it while the bars are wide enough to hold one."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 600, 80
LABEL_ROOM = 12  # above the tallest bar, for its count
BARS_HEIGHT = HEIGHT - LABEL_ROOM
MIN_LABELLED_SLOT = 16.0  # a bar's slot at least this wide shows its count (three years of months)
MAX_MONTHS = 120


@dataclass(frozen=True)
class Bar:
    """One month's bar: where it stands in the SVG and what it filters to."""

    month: str
    count: int
    x: float
    width: float
    height: float

    @property
    def y(self) -> float:
        return HEIGHT - self.height

    @property
    def middle(self) -> float:
        return self.x + self.width / 2


def counts_fit(bars: list[Bar]) -> bool:
    """Whether the bars are wide enough to print each count above its bar."""
    return bool(bars) and WIDTH / len(bars) >= MIN_LABELLED_SLOT


def months_between(first: str, last: str) -> list[str]:
    """Every `YYYY-MM` from first to last, so empty months show as gaps."""
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    months = []
    while (year, month) <= end and len(months) < MAX_MONTHS:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def timeline_bars(month_facet: list[dict]) -> list[Bar]:
    """The bars of the month facet, the tallest filling the chart's height less the room for
    its count."""
    if not month_facet:
        return []
    counts = {item["value"]: item["count"] for item in month_facet}
    months = months_between(month_facet[0]["value"], month_facet[-1]["value"])
    tallest = max(counts.values())
    slot = WIDTH / len(months)
    return [Bar(month, counts.get(month, 0), index * slot + slot * 0.1, slot * 0.8,
                max(2.0, BARS_HEIGHT * counts[month] / tallest) if month in counts else 0.0)
            for index, month in enumerate(months)]
