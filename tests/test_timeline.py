"""The timeline (web/timeline.py): months as bars of a server-drawn SVG chart."""

from __future__ import annotations

import pytest

from web.timeline import BARS_HEIGHT, HEIGHT, MAX_MONTHS, WIDTH, counts_fit, months_between, timeline_bars


def facet(*pairs) -> list[dict]:
    return [{"value": month, "count": count} for month, count in pairs]


def test_months_between_fills_gaps_across_a_year_end():
    assert months_between("2022-11", "2023-02") == ["2022-11", "2022-12", "2023-01", "2023-02"]
    assert months_between("2022-10", "2022-10") == ["2022-10"]


def test_months_between_is_capped():
    months = months_between("1900-01", "2099-12")
    assert len(months) == MAX_MONTHS and months[0] == "1900-01"


def test_no_months_no_bars():
    assert timeline_bars([]) == []


def test_bars_fill_the_width_and_the_tallest_fills_the_height():
    bars = timeline_bars(facet(("2022-09", 3), ("2022-10", 6), ("2022-11", 1)))
    assert [bar.month for bar in bars] == ["2022-09", "2022-10", "2022-11"]
    assert [bar.count for bar in bars] == [3, 6, 1]
    assert [bar.height for bar in bars] == [BARS_HEIGHT / 2, BARS_HEIGHT, BARS_HEIGHT / 6]
    assert all(bar.y + bar.height == HEIGHT for bar in bars)
    slot = WIDTH / 3
    assert [bar.x for bar in bars] == pytest.approx([0.1 * slot, 1.1 * slot, 2.1 * slot])
    assert all(bar.width == pytest.approx(0.8 * slot) for bar in bars)
    assert bars[-1].x + bars[-1].width <= WIDTH


def test_empty_months_are_gaps_of_height_zero():
    bars = timeline_bars(facet(("2022-09", 2), ("2022-12", 4)))
    assert [(bar.month, bar.count, bar.height) for bar in bars] == [
        ("2022-09", 2, BARS_HEIGHT / 2), ("2022-10", 0, 0.0), ("2022-11", 0, 0.0),
        ("2022-12", 4, BARS_HEIGHT)]


def test_a_small_count_stays_visible():
    bars = timeline_bars(facet(("2022-01", 1), ("2022-02", 1000)))
    assert bars[0].height == 2.0 and bars[1].height == BARS_HEIGHT


def test_counts_are_printed_while_the_bars_are_wide_enough():
    assert counts_fit(timeline_bars(facet(("2022-01", 1), ("2024-12", 5))))  # 36 months
    assert not counts_fit(timeline_bars(facet(("2020-01", 1), ("2024-12", 5))))  # 60 months
    assert not counts_fit([])
