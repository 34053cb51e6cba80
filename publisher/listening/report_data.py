"""What the monthly report is made from: plain rows, read from the archive by the collection side and drawn by
the report side, so each can be built and tested without the other.

``load_report_data`` (the archive side) fills a :class:`ReportData` for one month; ``write_report`` (the report
side) turns it into ``index.html``, ``report.pdf`` and ``metrics.csv``. A metric value of ``None`` means the
platform did not return it (missing, or not offered): it is shown as such, never as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class PublicationRow:
    """One target's settled outcome in the month (the archive's row), with what the report needs of its post."""

    post_id: str
    occurrence: str
    platform: str
    kind: str  # service-update | policy-change | event-reminder
    title: str
    state: str  # the archive state: published, failed, unknown, resolved, retracted, skipped, missed, cancelled
    due_at: datetime | None
    settled_at: datetime  # when the outcome was recorded (published_at for a publication)
    remote_id: str | None = None
    permalink: str | None = None
    approved_by: str | None = None
    error: str | None = None  # why it failed / is unknown, for the failures section


@dataclass(frozen=True)
class SnapshotRow:
    """One metric of one published target at one collection moment, under the platform's own metric name."""

    post_id: str
    occurrence: str
    platform: str
    remote_id: str
    metric: str
    value: int | None  # None: missing or not offered — never 0
    api_version: str
    fetched_at: datetime
    age: str  # which snapshot: "1h", "24h", "7d", "30d", or "manual" for `publisher collect`


@dataclass(frozen=True)
class ReplyRow:
    """One comment or reply from the public under a published target (the office's own replies are not rows)."""

    platform: str
    post_id: str
    remote_id: str
    reply_id: str
    author_handle: str | None
    text: str
    created_at: datetime | None
    permalink: str | None
    is_question: bool
    answered: bool  # the office's account has replied in that thread


@dataclass(frozen=True)
class AudienceRow:
    """An account-level figure, e.g. a Telegram channel's member count."""

    platform: str
    metric: str
    value: int | None
    fetched_at: datetime


@dataclass(frozen=True)
class SkmRow:
    """One imported satisfaction survey (PermenPAN-RB 14/2017) whose period touches the month."""

    period: str
    ikm: float
    category: str  # A | B | C | D
    respondents: int
    nrr: tuple[float, ...]  # U1 … U9


@dataclass(frozen=True)
class ReportData:
    month: str  # YYYY-MM
    office: str
    generated_at: datetime
    publications: list[PublicationRow] = field(default_factory=list)
    snapshots: list[SnapshotRow] = field(default_factory=list)
    replies: list[ReplyRow] = field(default_factory=list)
    audience: list[AudienceRow] = field(default_factory=list)
    skm: list[SkmRow] = field(default_factory=list)
