"""A report month, ``YYYY-MM``: its first day and its bounds in the office's zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo


def month_start(month: str) -> date:
    try:
        year, number = (int(part) for part in month.split("-"))
        return date(year, number, 1)
    except ValueError:
        raise ValueError(f"month {month!r}: write it as YYYY-MM, e.g. 2026-12") from None


def month_bounds(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The month's first moment (inclusive) and the next month's first moment (exclusive), in ``tz``."""
    first = month_start(month)
    after = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return datetime.combine(first, time.min, tzinfo=tz), datetime.combine(after, time.min, tzinfo=tz)
