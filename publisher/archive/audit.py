"""``publisher audit``: every archived event in time order, as a table for people, CSV for a spreadsheet, or JSON.

CSV decisions: UTF-8 *with* a byte-order mark, because Excel — what the office opens a CSV with — reads a CSV
without one in the Windows code page and garbles Indonesian punctuation and emoji in the captions; LibreOffice,
Google Sheets and Python's ``utf-8-sig`` read the mark as intended. Rows end in CRLF (RFC 4180). A caption's line
breaks stay inside its quoted cell, so there is still one row per event. A cell that a spreadsheet would take
for a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) gets a leading ``'``; the JSON keeps every
text exactly as sent.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from publisher.archive.outcomes import ArchivedEvent, ArchiveState
from publisher.i18n import _
from publisher.i18n.labels import label

CSV_BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Order of the CSV columns and JSON keys: the contract's fields first.
FIELDS = (
    "time",
    "post",
    "occurrence",
    "platform",
    "state",
    "content_hash",
    "caption",
    "remote_id",
    "permalink",
    "approved_by",
    "attempts",
    "dry_run",
    "detail",
    "card_sha256",
    "due",
    "sent",
    "target",
)


class AuditFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def parse_day(text: str, tz: ZoneInfo, *, end: bool = False) -> datetime:
    """``2026-12-01`` (the whole day in the office's zone; ``end``: the moment after it) or a time
    ``2026-12-01 09:00`` / ISO 8601 with an offset. Raises ValueError with a message for people."""
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            moment = datetime.combine(day + timedelta(days=1) if end else day, time.min, tzinfo=tz)
        else:
            moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            _("unreadable date {text!r}: write YYYY-MM-DD or YYYY-MM-DD HH:MM").format(text=text)
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def as_dict(event: ArchivedEvent, tz: ZoneInfo) -> dict[str, object]:
    def local(moment: datetime | None) -> str | None:
        return moment.astimezone(tz).isoformat() if moment else None

    return {
        "time": local(event.settled_at),
        "post": event.post_id,
        "occurrence": event.occurrence,
        "platform": event.platform,
        "state": event.state,
        "content_hash": event.content_hash,
        "caption": event.caption,
        "remote_id": event.remote_id,
        "permalink": event.permalink,
        "approved_by": event.approved_by,
        "attempts": event.attempts,
        "dry_run": event.dry_run,
        "detail": event.detail,
        "card_sha256": event.card_sha256,
        "due": local(event.due_at),
        "sent": local(event.sent_at),
        "target": event.target_id,
    }


def to_json(events: Sequence[ArchivedEvent], tz: ZoneInfo) -> str:
    return json.dumps([as_dict(e, tz) for e in events], ensure_ascii=False, indent=2)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(events: Sequence[ArchivedEvent], tz: ZoneInfo) -> str:
    """The CSV text, BOM first; write it with ``newline=""`` (or as bytes) to keep its CRLFs."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for event in events:
        row = as_dict(event, tz)
        writer.writerow([_cell(row[name]) for name in FIELDS])
    return CSV_BOM + out.getvalue()


def table_lines(events: Sequence[ArchivedEvent], tz: ZoneInfo) -> list[str]:
    """One line per event for a terminal or a pipe: time, state, target, approver, where."""
    lines = []
    for event in events:
        when = event.settled_at.astimezone(tz)
        state = label(event.state) + (" " + _("[dry run]") if event.dry_run else "")
        parts = [f"{when:%Y-%m-%d %H:%M}", state, event.target_id]
        parts.append(
            _("approved by {approver}").format(approver=event.approved_by) if event.approved_by else _("no approval")
        )
        parts.append(event.permalink or event.remote_id or "")
        if event.detail and event.state != ArchiveState.PUBLISHED:
            parts.append(event.detail)
        lines.append("  ".join(p for p in parts if p))
    return lines or [_("no archived events (yet): outcomes are archived as targets settle")]
