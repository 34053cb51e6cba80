"""When a post goes out, as a person types it at ``publisher new --at WHEN``.

- absolute: ``2026-12-01 09:00`` (or with ``T``, or with an offset ``2026-12-01T09:00+07:00``);
- relative to now: ``+2m``, ``+1h``, ``+3d``, or combined ``+1h30m``;
- a day word and a time, in Indonesian as the comms team says it: ``hari ini 14:00``, ``besok 09:00``,
  ``lusa 08:00`` (``09.00`` as well: Indonesian writes times with a dot).

Times without an offset are in the office's zone. A relative time is rounded up to the whole minute, as post files
hold minutes: it never goes out earlier than asked.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from publisher.i18n import _

DAY_WORDS = {"hari ini": 0, "besok": 1, "lusa": 2}
_RELATIVE = re.compile(r"^\+(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")
_DAY_AND_TIME = re.compile(r"^(?P<day>hari ini|besok|lusa)\s+(?P<hour>\d{1,2})[:.](?P<minute>\d{2})$")
EXAMPLES = "2026-12-01 09:00, +2m, +1h, +3d, hari ini 14:00, besok 09:00, lusa 08:00"


class WhenError(ValueError):
    """A WHEN that cannot be read; the message says what is accepted."""


def parse_when(text: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    """The moment ``text`` names, aware, in ``zone`` (``now`` is any aware datetime)."""
    spoken = " ".join(text.strip().lower().split())
    local_now = now.astimezone(zone)
    if relative := _RELATIVE.match(spoken):
        if not any(relative.groups()):
            raise WhenError(_("{text!r}: a number and a unit after '+' (m, h or d), e.g. +2m").format(text=text))
        days, hours, minutes = (int(relative[unit] or 0) for unit in "dhm")
        moment = local_now + timedelta(days=days, hours=hours, minutes=minutes)
        return _ceil_minute(moment)
    if said := _DAY_AND_TIME.match(spoken):
        day = local_now.date() + timedelta(days=DAY_WORDS[said["day"]])
        return datetime.combine(day, _clock(int(said["hour"]), int(said["minute"]), text), tzinfo=zone)
    try:
        moment = datetime.fromisoformat(spoken.upper() if "t" in spoken else spoken)
    except ValueError:
        raise WhenError(
            _("{text!r} is not a time I can read; write one of: {examples}").format(text=text, examples=EXAMPLES)
        ) from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _clock(hour: int, minute: int, text: str) -> time:
    try:
        return time(hour, minute)
    except ValueError:
        raise WhenError(
            _("{text!r}: {time} is not a time of day").format(text=text, time=f"{hour:02d}:{minute:02d}")
        ) from None


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)
