"""When a published target is read: the snapshot moments after publication, and what X's reading will cost.

A target's due moment is the latest one it has reached and not had yet; an earlier one the beat missed (the
machine was off at +1 h, it is now +5 h) is not taken late under its name — the figure would be a +5 h figure
labelled +1 h. Past the last moment a target is never read again by the beat (``publisher collect`` still can).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from publisher.listening.month import month_bounds

MANUAL = "manual"
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def age_delta(age: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([mhd])", age)
    if not match:
        raise ValueError(f"snapshot age {age!r}: write minutes, hours or days such as 1h, 24h, 7d, 30d")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def due_age(published_at: datetime, now: datetime, ages: Sequence[str], taken: set[str]) -> str | None:
    """The moment to take now, or None. ``taken``: the ages this target already has."""
    reached = [age for age in sorted(ages, key=age_delta) if published_at + age_delta(age) <= now]
    if not reached or reached[-1] in taken:
        return None
    return reached[-1]


def reads_in_month(published: Iterable[datetime], ages: Sequence[str], month: str, tz: ZoneInfo) -> int:
    """How many scheduled snapshots of these publications fall inside ``month`` (in the office's zone)."""
    start, end = month_bounds(month, tz)
    deltas = [age_delta(age) for age in ages]
    return sum(1 for moment in published for delta in deltas if start <= moment + delta < end)


def x_cost_estimate(
    publications: Iterable[datetime], ages: Sequence[str], month: str, tz: ZoneInfo, cost_per_read: float
) -> tuple[int, float]:
    """(reads, US$) of X this month: each X post's snapshots due in the month × what X bills per post read.
    Manual passes and reply searches come on top; the estimate is of what the beat will do by itself."""
    reads = reads_in_month(publications, ages, month, tz)
    return reads, round(reads * cost_per_read, 4)
