"""Times as the Indonesian public reads them: "Rabu, 10 Februari 2027 · 09.00 WIB"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from publisher import defaults

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
# Indonesia's three zones; any other zone is shown by its own abbreviation.
ZONE_NAMES = {7: "WIB", 8: "WITA", 9: "WIT"}
OFFICE_TZ = ZoneInfo(defaults.TIMEZONE)


def zone_name(moment: datetime) -> str:
    offset = moment.utcoffset()
    hours = offset.total_seconds() / 3600 if offset is not None else None
    if hours is not None and hours.is_integer() and int(hours) in ZONE_NAMES:
        return ZONE_NAMES[int(hours)]
    return moment.strftime("%Z") or "UTC"


def format_date_id(moment: datetime) -> str:
    return f"{DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def format_time_id(moment: datetime) -> str:
    return f"{moment:%H.%M} {zone_name(moment)}"


def format_wib(moment: datetime, tz: ZoneInfo = OFFICE_TZ) -> str:
    """Full Indonesian date and time in the office's zone."""
    local = moment.astimezone(tz)
    return f"{format_date_id(local)} · {format_time_id(local)}"


def format_local(moment: datetime) -> str:
    """The date and time in the zone it was written in, with that zone's own abbreviation (WIB, CET, ...)."""
    return f"{format_date_id(moment)} · {format_time_id(moment)}"
