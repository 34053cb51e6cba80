"""``load_report_data(settings, month)``: the monthly report's rows (:mod:`publisher.listening.report_data`) read
from the archive, for the report side (:mod:`publisher.listening.report`) to draw.

What belongs to a month (its bounds in the office's zone):
    publications  every real-run outcome settled in the month (what went out, failures, unknowns, approvals)
    snapshots     every snapshot of the targets published in the month, whenever it was taken (a post of the
                  28th has its +7 d figure in the next month; the month's report still shows it)
    replies       the public's replies written in the month (read in the month when the platform gives no time)
    audience      account-level figures read in the month
    skm           the surveys whose period overlaps the month (2026-Q4 is in the October–December reports)
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from publisher.archive.database import open_engine
from publisher.archive.outcomes import Archive, ArchiveState
from publisher.archive.tables import audience, outcomes, replies, skm_results, snapshots
from publisher.infra.settings import Settings
from publisher.listening.month import month_bounds, month_start
from publisher.listening.report_data import (
    AudienceRow,
    PublicationRow,
    ReplyRow,
    ReportData,
    SkmRow,
    SnapshotRow,
)
from publisher.listening.skm import Period
from publisher.listening.store import READ_STATES
from publisher.listening.survey import SurveyStore
from publisher.posts.check import check_paths

# The outcomes whose detail says why (the failures section): the rest have none, or only a note.
WHY_STATES = (ArchiveState.FAILED, ArchiveState.UNKNOWN, ArchiveState.MISSED, ArchiveState.SKIPPED)


def load_report_data(settings: Settings, month: str, *, now: datetime | None = None) -> ReportData:
    """Everything the report for ``month`` (``YYYY-MM``) shows, from the archive (opened, migrated if needed)."""
    start, end = month_bounds(month, settings.tz)
    engine = open_engine(settings)
    return ReportData(
        month=month,
        office=settings.brand.office,
        generated_at=now or datetime.now(UTC),
        publications=_publications(settings, start, end),
        snapshots=_snapshots(engine, start, end),
        replies=_replies(engine, start, end),
        audience=_audience(engine, start, end),
        skm=_skm(settings, engine, month),
    )


def _publications(settings: Settings, start: datetime, end: datetime) -> list[PublicationRow]:
    posts = {r.post_id: r.post for r in check_paths(None, settings).results if r.post is not None}
    rows = []
    for event in Archive.from_settings(settings).events(since=start, until=end):
        if event.dry_run:
            continue
        post = posts.get(event.post_id)
        rows.append(
            PublicationRow(
                post_id=event.post_id,
                occurrence=event.occurrence,
                platform=event.platform,
                kind=str(getattr(post.kind, "value", post.kind)) if post else "",
                title=post.title if post else event.post_id,  # the post file is gone: its id stands in
                state=event.state,
                due_at=event.due_at,
                settled_at=event.settled_at,
                remote_id=event.remote_id,
                permalink=event.permalink,
                approved_by=event.approved_by,
                error=event.detail if event.state in WHY_STATES else None,
            )
        )
    return rows


def published_in(start: datetime, end: datetime) -> Any:
    """The ids of the real-run targets published in [start, end) — a subquery, never a list in memory."""
    return select(outcomes.c.target_id).where(
        outcomes.c.dry_run.is_(False),
        outcomes.c.state.in_(READ_STATES),
        outcomes.c.settled_at >= start,
        outcomes.c.settled_at < end,
    )


def _snapshots(engine: Engine, start: datetime, end: datetime) -> list[SnapshotRow]:
    columns = ("post_id", "occurrence", "platform", "remote_id", "metric", "value", "api_version", "fetched_at", "age")
    query = (
        select(*(snapshots.c[name] for name in columns))
        .where(snapshots.c.target_id.in_(published_in(start, end)))
        .order_by(snapshots.c.fetched_at, snapshots.c.id)
    )
    with engine.connect() as connection:
        return [SnapshotRow(*row) for row in connection.execute(query)]


def _replies(engine: Engine, start: datetime, end: datetime) -> list[ReplyRow]:
    written = func.coalesce(replies.c.created_at, replies.c.fetched_at)
    query = select(replies).where(written >= start, written < end).order_by(written, replies.c.id)
    with engine.connect() as connection:
        public = [row for row in connection.execute(query) if not row.from_office]
        threads = {(row.platform, row.remote_id) for row in public}
        answers = _office_answers(connection, threads)
    return [
        ReplyRow(
            platform=row.platform,
            post_id=row.post_id,
            remote_id=row.remote_id,
            reply_id=row.reply_id,
            author_handle=row.author_handle,
            text=row.text,
            created_at=row.created_at,
            permalink=row.permalink,
            is_question=row.is_question,
            answered=_answered(answers.get((row.platform, row.remote_id), [])),
        )
        for row in public
    ]


def _office_answers(connection: Any, threads: set[tuple[str, str]]) -> dict[tuple[str, str], list[datetime | None]]:
    """When the office replied in each thread (any time, any month)."""
    found: dict[tuple[str, str], list[datetime | None]] = defaultdict(list)
    if not threads:
        return found
    wanted = or_(*(and_(replies.c.platform == p, replies.c.remote_id == r) for p, r in threads))
    query = select(replies.c.platform, replies.c.remote_id, replies.c.created_at).where(
        replies.c.from_office.is_(True), wanted
    )
    for row in connection.execute(query):
        found[(row.platform, row.remote_id)].append(row.created_at)
    return found


def _answered(answered_at: list[datetime | None]) -> bool:
    """Answered: the office has written in the thread (the published post's conversation). Not "after the
    question": platforms time a nested answer unreliably (a reply's clock, an edit), and most read calls give no
    parent id to tie an answer to one comment — so one office answer in a thread marks its questions answered."""
    return bool(answered_at)


def _audience(engine: Engine, start: datetime, end: datetime) -> list[AudienceRow]:
    query = (
        select(audience.c.platform, audience.c.metric, audience.c.value, audience.c.fetched_at)
        .where(audience.c.fetched_at >= start, audience.c.fetched_at < end)
        .order_by(audience.c.fetched_at, audience.c.id)
    )
    with engine.connect() as connection:
        return [AudienceRow(*row) for row in connection.execute(query)]


def _skm(settings: Settings, engine: Engine, month: str) -> list[SkmRow]:
    return [
        SkmRow(row["period"], float(row["ikm"]), row["category"], int(row["respondents"]),
               tuple(float(v) for v in row["nrr"].values()))
        for row in _skm_results(settings, engine)
        if period_touches(row["period"], month)
    ]  # fmt: skip


def _skm_results(settings: Settings, engine: Engine) -> list[dict[str, Any]]:
    """Every stored result, the archive's first and the JSON files' for periods the archive lacks."""
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(select(skm_results))]
    for row in rows:
        row["nrr"] = json.loads(row["nrr"])
        row["totals"] = json.loads(row["totals"])
    known = {row["period"] for row in rows}
    store = SurveyStore.from_settings(settings)
    for period in store.periods():
        record = store.load(Period.parse(period)) if period not in known else None
        if record is not None:
            rows.append(record)
    return sorted(rows, key=lambda row: row["period"])


def period_touches(period: str, month: str) -> bool:
    """``2026-Q4`` touches 2026-10 … 2026-12; ``2026-S2`` 2026-07 … 12; ``2026-12`` itself; ``2026`` every month."""
    first = month_start(month)
    year, _, part = period.upper().partition("-")
    if int(year) != first.year:
        return False
    if not part:
        return True
    if part[0] == "Q":
        return (first.month - 1) // 3 + 1 == int(part[1])
    if part[0] == "S":
        return (first.month - 1) // 6 + 1 == int(part[1])
    return int(part) == first.month
