"""The timeline: matching stories per day, week or month (the finest time facet counted: days
for a span of two months at most, weeks for nine, search/facets.py) as a small bar chart drawn
on the server, each bar a link to its span and with its count above it while the bars are wide
enough to hold one. Dragging across bars (static/page.js) narrows to the span they cover."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from search.facets import TIME_FACETS

WIDTH, HEIGHT = 600, 80
LABEL_ROOM = 12  # above the tallest bar, for its count
BARS_HEIGHT = HEIGHT - LABEL_ROOM
MIN_LABELLED_SLOT = 16.0  # a bar's slot at least this wide shows its count (three years of months)
MAX_MONTHS = 120
UNITS = TIME_FACETS[::-1]  # day, week, month: finest first
STEP_DAYS = {"day": 1, "week": 7}


@dataclass(frozen=True)
class Bar:
    """One bar: its day, week (named by its Monday) or month, the dates it filters to, its count
    and where it stands in the SVG."""

    value: str
    start: str  # the `from` of its filter (`2023-01-09`, or the month `2023-01`)
    end: str  # the `to`
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


def days_between(first: str, last: str, step: int) -> list[str]:
    """Every day (or every `step`-th: weeks) from first to last, as `YYYY-MM-DD`."""
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    found = []
    while day <= end and len(found) < MAX_MONTHS:
        found.append(day.isoformat())
        day += timedelta(days=step)
    return found


def timeline_unit(facets: dict) -> str:
    """The finest time facet the answer counted (the unit the chart is drawn in)."""
    return next(unit for unit in UNITS if facets.get(unit) or unit == "month")


def timeline_bars(facets: dict) -> list[Bar]:
    """The bars of the finest time facet counted, gaps included, the tallest filling the chart's
    height less the room for its count."""
    unit = timeline_unit(facets)
    counted = facets.get(unit) or []
    if not counted:
        return []
    counts = {item["value"]: item["count"] for item in counted}
    first, last = counted[0]["value"], counted[-1]["value"]
    values = months_between(first, last) if unit == "month" else days_between(first, last, STEP_DAYS[unit])
    tallest = max(counts.values())
    slot = WIDTH / len(values)
    return [Bar(value, value, _last_day(value, unit), counts.get(value, 0), index * slot + slot * 0.1,
                slot * 0.8, max(2.0, BARS_HEIGHT * counts[value] / tallest) if value in counts else 0.0)
            for index, value in enumerate(values)]


def _last_day(value: str, unit: str) -> str:
    """The `to` of a bar's filter: the month itself, the day itself, a week's Sunday."""
    if unit != "week":
        return value
    return (date.fromisoformat(value) + timedelta(days=6)).isoformat()
