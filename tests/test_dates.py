"""search/dates.py: dates as the data states them, and as a person reads them back."""

from __future__ import annotations

import pytest

from search.dates import format_date, internet_time, parse_date, readable_date


@pytest.mark.parametrize(("iso", "shown"), [
    ("1987-02-26T17:34:11.890000", "1987-02-26 17:34"),
    ("1987-02-27", "1987-02-27"),
    ("2022-10-11T09:30:00+01:00", "2022-10-11 09:30 +01:00"),
    ("2022-10-11T00:00:00", "2022-10-11 00:00"),
    (None, None),
])
def test_a_date_reads_to_the_minute_with_its_offset_when_one_was_recorded(iso, shown):
    assert readable_date(iso) == shown


@pytest.mark.parametrize(("stated", "shown"), [
    ("October 12, 2022", "2022-10-12"),
    ("2022-10-12T08:15:00Z", "2022-10-12 08:15"),
    ("2022-10-12T08:15:00+02:00", "2022-10-12 06:15"),
])
def test_what_the_index_keeps_reads_back_as_a_day_or_a_utc_minute(stated, shown):
    assert readable_date(format_date(parse_date(stated))) == shown


@pytest.mark.parametrize(("iso", "expected"), [
    ("1987-02-26T17:34:11.890000", "1987-02-26T17:34:11Z"),
    ("2022-10-11T09:30:00+01:00", "2022-10-11T09:30:00+01:00"),
    ("2022-10-11", "2022-10-11T00:00:00Z"),
    (None, "2001-09-09T01:46:40Z"),
])
def test_internet_time_is_rfc_3339_with_an_offset_and_falls_back_for_undated(iso, expected):
    assert internet_time(iso, 1_000_000_000.0) == expected
