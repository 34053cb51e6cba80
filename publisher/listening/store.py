"""The archive's listening tables, read and written: which targets are published, which snapshot moments each
has had, the snapshots and replies themselves, the purge of old replies.

Published targets come from the archive's ``outcomes`` (real runs only): a target's latest row decides — a
target published and then retracted is read no more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from publisher.adapters.reads import MetricSnapshot, Reply
from publisher.archive.outcomes import ArchiveState
from publisher.archive.tables import audience, outcomes, replies, snapshots
from publisher.listening.questions import is_question

# resolved: published according to the person who settled it (its remote id is the one they gave)
READ_STATES = (ArchiveState.PUBLISHED, ArchiveState.RESOLVED)
UNVERSIONED = "unversioned"  # an adapter that declares no API version (Graph's base without /vNN.N says so too)
TARGET_COLUMNS = ("target_id", "post_id", "occurrence", "platform", "remote_id", "settled_at")


@dataclass(frozen=True)
class PublishedTarget:
    target_id: str
    post_id: str
    occurrence: str
    platform: str
    remote_id: str
    published_at: datetime


class EngagementStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- reading --------------------------------------------------------------------------------------------

    def published_targets(self, post: str | None = None) -> list[PublishedTarget]:
        """Every target whose latest real-run outcome is a publication with a remote id, oldest first."""
        latest = (
            select(outcomes.c.target_id, func.max(outcomes.c.id).label("last"))
            .where(outcomes.c.dry_run.is_(False))
            .group_by(outcomes.c.target_id)
            .subquery()
        )
        query = (
            select(*(outcomes.c[name] for name in TARGET_COLUMNS))
            .join(latest, latest.c.last == outcomes.c.id)
            .where(outcomes.c.state.in_(READ_STATES), outcomes.c.remote_id.is_not(None))
            .order_by(outcomes.c.settled_at, outcomes.c.id)
        )
        if post is not None:
            query = query.where(outcomes.c.post_id == post)
        with self.engine.connect() as connection:
            return [PublishedTarget(*row) for row in connection.execute(query)]

    def ages_taken(self) -> set[tuple[str, str]]:
        """(target, age) of every scheduled snapshot already stored (manual ones are extra, not a moment)."""
        query = select(snapshots.c.target_id, snapshots.c.age).where(snapshots.c.age != "manual").distinct()
        with self.engine.connect() as connection:
            return {(row.target_id, row.age) for row in connection.execute(query)}

    def latest_metrics(self, post_id: str) -> dict[str, dict[str, Any]]:
        """Per platform of ``post_id``: its newest snapshot as {"metrics": {name: value}, "fetched_at", "age"}."""
        newest = (
            select(snapshots.c.platform, func.max(snapshots.c.fetched_at).label("at"))
            .where(snapshots.c.post_id == post_id)
            .group_by(snapshots.c.platform)
            .subquery()
        )
        query = (
            select(snapshots.c.platform, snapshots.c.metric, snapshots.c.value, snapshots.c.fetched_at, snapshots.c.age)
            .join(newest, and_(newest.c.platform == snapshots.c.platform, newest.c.at == snapshots.c.fetched_at))
            .where(snapshots.c.post_id == post_id)
            .order_by(snapshots.c.platform, snapshots.c.id)
        )
        found: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                entry = found.setdefault(row.platform, {"metrics": {}, "fetched_at": row.fetched_at, "age": row.age})
                entry["metrics"][row.metric] = row.value
        return found

    # --- writing --------------------------------------------------------------------------------------------

    def add_snapshots(self, pairs: Sequence[tuple[PublishedTarget, MetricSnapshot]], age: str | dict[str, str]) -> int:
        """Store each snapshot as one row per metric (``age``: one for all, or per target id); returns rows."""
        rows = [
            {
                "target_id": target.target_id,
                "post_id": target.post_id,
                "occurrence": target.occurrence,
                "platform": target.platform,
                "remote_id": target.remote_id,
                "metric": metric,
                "value": value,
                "api_version": snapshot.api_version or UNVERSIONED,
                "fetched_at": snapshot.fetched_at,
                "age": age if isinstance(age, str) else age[target.target_id],
            }
            for target, snapshot in pairs
            for metric, value in snapshot.metrics.items()
        ]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(snapshots.insert(), rows)
        return len(rows)

    def add_replies(self, threads: Sequence[tuple[PublishedTarget, Sequence[Reply]]], fetched_at: datetime) -> int:
        """Store the replies of these threads not stored yet (keyed by platform and reply id), in one
        transaction; returns how many were new."""
        rows = [_reply_row(target, reply, fetched_at) for target, found in threads for reply in found if reply.reply_id]
        if not rows:
            return 0
        dialect = self.engine.dialect.name
        insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(replies)
        statement = insert.on_conflict_do_nothing(index_elements=["platform", "reply_id"]).returning(replies.c.id)
        with self.engine.begin() as connection:
            return len(connection.execute(statement, rows).all())

    def add_audience(self, platform: str, metric: str, value: int | None, fetched_at: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                audience.insert().values(platform=platform, metric=metric, value=value, fetched_at=fetched_at)
            )

    def purge_replies(self, now: datetime, retention_days: int) -> int:
        """Forget replies older than the retention (by when they were written, else when they were read)."""
        cutoff = now - timedelta(days=retention_days)
        old = or_(replies.c.created_at < cutoff, and_(replies.c.created_at.is_(None), replies.c.fetched_at < cutoff))
        with self.engine.begin() as connection:
            return connection.execute(delete(replies).where(old)).rowcount or 0


def _reply_row(target: PublishedTarget, reply: Reply, fetched_at: datetime) -> dict[str, Any]:
    """What is kept of a reply: the handle, not a display name; no avatar, no profile (people's data)."""
    return {
        "platform": reply.platform,
        "reply_id": reply.reply_id[:300],
        "target_id": target.target_id,
        "post_id": target.post_id,
        "remote_id": target.remote_id,
        "author_handle": (reply.author_handle or None) and reply.author_handle[:200],  # type: ignore[index]
        "text": reply.text,
        "created_at": reply.created_at,
        "permalink": reply.permalink,
        "from_office": reply.from_office,
        "is_question": not reply.from_office and is_question(reply.text),
        "fetched_at": fetched_at,
    }
