"""The timeline (web/timeline.py): days, weeks or months as bars of a server-drawn SVG chart."""

from __future__ import annotations

import pytest

from search.facets import finer_unit
from web.timeline import (
    BARS_HEIGHT,
    HEIGHT,
    MAX_MONTHS,
    WIDTH,
    counts_fit,
    days_between,
    months_between,
    timeline_bars,
    timeline_unit,
)


def facet(*pairs) -> dict:
    return {"month": [{"value": month, "count": count} for month, count in pairs]}


def test_months_between_fills_gaps_across_a_year_end():
    assert months_between("2022-11", "2023-02") == ["2022-11", "2022-12", "2023-01", "2023-02"]
    assert months_between("2022-10", "2022-10") == ["2022-10"]


def test_months_between_is_capped():
    months = months_between("1900-01", "2099-12")
    assert len(months) == MAX_MONTHS and months[0] == "1900-01"


def test_no_months_no_bars():
    assert timeline_bars({"month": []}) == []


def test_bars_fill_the_width_and_the_tallest_fills_the_height():
    bars = timeline_bars(facet(("2022-09", 3), ("2022-10", 6), ("2022-11", 1)))
    assert [bar.value for bar in bars] == ["2022-09", "2022-10", "2022-11"]
    assert [(bar.start, bar.end) for bar in bars] == [("2022-09", "2022-09"), ("2022-10", "2022-10"),
                                                      ("2022-11", "2022-11")]
    assert [bar.count for bar in bars] == [3, 6, 1]
    assert [bar.height for bar in bars] == [BARS_HEIGHT / 2, BARS_HEIGHT, BARS_HEIGHT / 6]
    assert all(bar.y + bar.height == HEIGHT for bar in bars)
    slot = WIDTH / 3
    assert [bar.x for bar in bars] == pytest.approx([0.1 * slot, 1.1 * slot, 2.1 * slot])
    assert all(bar.width == pytest.approx(0.8 * slot) for bar in bars)
    assert bars[-1].x + bars[-1].width <= WIDTH


def test_empty_months_are_gaps_of_height_zero():
    bars = timeline_bars(facet(("2022-09", 2), ("2022-12", 4)))
    assert [(bar.value, bar.count, bar.height) for bar in bars] == [
        ("2022-09", 2, BARS_HEIGHT / 2), ("2022-10", 0, 0.0), ("2022-11", 0, 0.0),
        ("2022-12", 4, BARS_HEIGHT)]


def test_a_small_count_stays_visible():
    bars = timeline_bars(facet(("2022-01", 1), ("2022-02", 1000)))
    assert bars[0].height == 2.0 and bars[1].height == BARS_HEIGHT


def test_counts_are_printed_while_the_bars_are_wide_enough():
    assert counts_fit(timeline_bars(facet(("2022-01", 1), ("2024-12", 5))))  # 36 months
    assert not counts_fit(timeline_bars(facet(("2020-01", 1), ("2024-12", 5))))  # 60 months
    assert not counts_fit([])


def test_the_unit_is_the_finest_counted_and_fits_the_span():
    assert finer_unit(facet(("2022-11", 1), ("2022-12", 2))["month"]) == "day"
    assert finer_unit(facet(("2022-11", 1), ("2023-07", 2))["month"]) == "week"  # nine months
    assert finer_unit(facet(("2022-11", 1), ("2023-08", 2))["month"]) is None
    assert finer_unit([]) is None
    assert timeline_unit({"month": [], "week": [{"value": "2023-01-02", "count": 1}]}) == "week"
    assert timeline_unit({"month": [{"value": "2023-01", "count": 1}], "day": []}) == "month"


def test_weeks_run_monday_to_sunday_and_gaps_are_kept():
    facets = {**facet(("2023-01", 3)), "week": [{"value": "2023-01-02", "count": 1},
                                               {"value": "2023-01-23", "count": 2}]}
    bars = timeline_bars(facets)
    assert [(bar.value, bar.start, bar.end, bar.count) for bar in bars] == [
        ("2023-01-02", "2023-01-02", "2023-01-08", 1), ("2023-01-09", "2023-01-09", "2023-01-15", 0),
        ("2023-01-16", "2023-01-16", "2023-01-22", 0), ("2023-01-23", "2023-01-23", "2023-01-29", 2)]


def test_days_fill_every_day_between():
    assert days_between("2023-02-27", "2023-03-02", 1) == [
        "2023-02-27", "2023-02-28", "2023-03-01", "2023-03-02"]
    bars = timeline_bars({**facet(("2023-02", 1)), "day": [{"value": "2023-02-27", "count": 1},
                                                             {"value": "2023-03-01", "count": 4}]})
    assert [(bar.value, bar.end, bar.count) for bar in bars] == [
        ("2023-02-27", "2023-02-27", 1), ("2023-02-28", "2023-02-28", 0), ("2023-03-01", "2023-03-01", 4)]
