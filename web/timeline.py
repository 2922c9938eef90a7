"""The timeline: matching stories per month as a small bar chart, drawn on the server."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 600, 80
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
    """The bars of the month facet, the tallest filling the chart's height."""
    if not month_facet:
        return []
    counts = {item["value"]: item["count"] for item in month_facet}
    months = months_between(month_facet[0]["value"], month_facet[-1]["value"])
    tallest = max(counts.values())
    slot = WIDTH / len(months)
    return [Bar(month, counts.get(month, 0), index * slot + slot * 0.1, slot * 0.8,
                max(2.0, HEIGHT * counts[month] / tallest) if month in counts else 0.0)
            for index, month in enumerate(months)]
