"""How the report writes a figure, a platform and a moment in Indonesian — the site and the PDF say the same."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from publisher.archive.outcomes import ArchiveState
from publisher.listening.report.figures import Value
from publisher.text.dates import format_date_id, zone_name

NOT_OFFERED = "tidak tersedia"  # the platform does not give this figure
MISSING = "tidak ada data"  # the platform gives it but did not return it (renamed, withdrawn, a failed read)
PLATFORM_LABELS = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X",
    "telegram": "Telegram",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "threads": "Threads",
}
STATE_LABELS: dict[str, str] = {
    ArchiveState.PUBLISHED: "terbit",
    ArchiveState.RETRACTED: "ditarik",
    ArchiveState.RESOLVED: "diselesaikan manual",
    ArchiveState.FAILED: "gagal",
    ArchiveState.UNKNOWN: "tidak diketahui",
    ArchiveState.MISSED: "terlewat",
    ArchiveState.SKIPPED: "dilewati",
    ArchiveState.CANCELLED: "dibatalkan",
}


def number(value: int) -> str:
    """Thousands with a dot, as Indonesian writes them: 12.345."""
    return f"{value:,}".replace(",", ".")


def show(value: Value) -> str:
    if value.number is None:
        return NOT_OFFERED if value.not_offered else MISSING
    return number(value.number) + ("*" if value.lacking else "")


def platform_label(name: str) -> str:
    return PLATFORM_LABELS.get(name, name)


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def moment(value: datetime | None, tz: ZoneInfo) -> str:
    """``Rabu, 2 Desember 2026 09.05 WIB``; "—" when unknown."""
    if value is None:
        return "—"
    local = value.astimezone(tz)
    return f"{format_date_id(local)} {local:%H.%M} {zone_name(local)}"


def short_moment(value: datetime | None, tz: ZoneInfo) -> str:
    """``02/12 09.05``: for table cells."""
    if value is None:
        return "—"
    return f"{value.astimezone(tz):%d/%m %H.%M}"
