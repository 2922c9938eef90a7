"""Dates as the data states them: ISO strings, `October 12, 2022`, datelines.

Never a file's modification time: an article that states no date is undated.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
ISO_DATE = re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})\b")
WRITTEN_DATES = (
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
)


def _from_match(match: re.Match) -> datetime | None:
    month = match["month"]
    number = int(month) if month.isdigit() else MONTHS[month.lower().rstrip(".")]
    try:
        return datetime(int(match["year"]), number, int(match["day"]))
    except ValueError:
        return None


def find_date(text: str) -> datetime | None:
    """The first calendar date written in `text` (a dateline), or None."""
    for pattern in (ISO_DATE, *WRITTEN_DATES):
        match = pattern.search(text)
        if match:
            found = _from_match(match)
            if found:
                return found
    return None


WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
UPDATED = r"(?:(?:published|updated|posted)(?: on)?:?\s+)?"
TIME_OF_DAY = r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?"


def is_date_line(line: str) -> bool:
    """Whether a line says nothing but a date (a dateline of its own)."""
    line = line.strip()
    for pattern in (ISO_DATE, *WRITTEN_DATES):
        shape = rf"^{UPDATED}{WEEKDAY}(?:{pattern.pattern}){TIME_OF_DAY}\.?$"
        if re.match(shape, line, re.IGNORECASE):
            return True
    return False


def parse_date(value: object) -> datetime | None:
    """A date from a metadata value (ISO 8601 or written out), or None."""
    if isinstance(value, datetime):
        return _naive_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return _naive_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return find_date(text)


def _naive_utc(value: datetime) -> datetime | None:
    """The moment in UTC without a zone; None for one outside the years 1–9999 there
    (`9999-12-31T23:59:59-01:00`)."""
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            return None
    return value


def readable_date(iso: str | None) -> str | None:
    """An ISO 8601 date as a person reads it: `1987-02-26 17:34`, with the offset when one was
    recorded (`2022-10-11 09:30 +01:00`); a day alone stays a day."""
    if not iso:
        return None
    value = datetime.fromisoformat(iso)
    if "T" not in iso:
        return value.date().isoformat()
    offset = value.strftime("%z")
    shown = value.strftime("%Y-%m-%d %H:%M")
    return f"{shown} {offset[:3]}:{offset[3:5]}" if offset else shown


def format_date(value: datetime | None) -> str | None:
    """ISO 8601: the day alone when no time of day is known."""
    if value is None:
        return None
    if value.time() == datetime.min.time():
        return value.date().isoformat()
    return value.isoformat()


def internet_time(iso: str | None, fallback: float) -> str:
    """A date as RFC 3339 wants it (Atom's `updated`): its offset when one was recorded, else read
    as UTC; a day alone is its midnight; no date at all is the `fallback` time (seconds since
    the epoch)."""
    value = datetime.fromisoformat(iso) if iso else datetime.fromtimestamp(fallback, UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")
