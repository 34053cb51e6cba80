"""The archive's tables as they are at the head revision (the migrations in ``migrations/versions`` make them).

``outcomes``: one row per settled outcome of a target (see :mod:`publisher.archive.outcomes` for the key that
makes writing idempotent). ``approvals``: one row per ``publisher approve``; revoking stamps ``revoked_at``, so the
history stays.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

VERSION_TABLE = "archive_alembic_version"  # its own name, so other parts of the project can share the database


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite stores them without an offset, PostgreSQL as timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the archive stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("post_id", String(100), nullable=False, index=True),
    Column("content_hash", String(16), nullable=False),  # the ledger's short hash, to join with outcomes
    Column("content_sha256", String(64), nullable=False),  # what the approval is pinned to
    Column("approver", String(200), nullable=False),
    Column("note", Text, nullable=True),
    Column("approved_at", UTCDateTime, nullable=False),
    Column("system_user", String(200), nullable=True),  # the login that ran `publisher approve`
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("revoked_by", String(200), nullable=True),  # the login that ran `publisher approve --revoke`
)

outcomes = Table(
    "outcomes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("target_id", String(300), nullable=False),
    Column("post_id", String(100), nullable=False, index=True),
    Column("occurrence", String(100), nullable=False),
    Column("platform", String(40), nullable=False),
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("content_hash", String(64), nullable=True),
    Column("caption", Text, nullable=True),
    Column("alt", Text, nullable=True),
    Column("card_sha256", String(64), nullable=True),
    Column("remote_id", String(300), nullable=True),
    Column("permalink", Text, nullable=True),
    Column("due_at", UTCDateTime, nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("settled_at", UTCDateTime, nullable=False),
    Column("archived_at", UTCDateTime, nullable=False),
    Column("approval_id", Integer, ForeignKey("approvals.id"), nullable=True),
    Column("detail", Text, nullable=True),  # revision 0002: why it failed / was skipped / was resolved
    UniqueConstraint("dry_run", "target_id", "state", "attempts", name="uq_outcomes_settled"),
    Index("ix_outcomes_settled_at", "settled_at"),  # revision 0002: audit reads in time order
)

# --- listening (revision 0003): what comes back from the public -----------------------------------------------
# ``snapshots``: one row per metric of one published target at one collection moment, under the platform's own
# metric name; ``value`` NULL = the platform did not return it (never 0). ``replies``: the public's words, purged
# after PUBLISHER_REPLY_RETENTION_DAYS; no display names, no avatars. ``audience``: account-level figures.
# ``skm_results``: the imported satisfaction surveys, one row per period (the fields of publisher survey import).

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("target_id", String(300), nullable=False),
    Column("post_id", String(100), nullable=False),
    Column("occurrence", String(100), nullable=False),
    Column("platform", String(40), nullable=False),
    Column("remote_id", String(300), nullable=False),
    Column("metric", String(100), nullable=False),
    Column("value", BigInteger, nullable=True),
    Column("api_version", String(40), nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("age", String(10), nullable=False),  # "1h", "24h", "7d", "30d" or "manual"
    Index("ix_snapshots_target_age", "target_id", "age"),
    Index("ix_snapshots_fetched_at", "fetched_at"),
)

replies = Table(
    "replies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(40), nullable=False),
    Column("reply_id", String(300), nullable=False),
    Column("target_id", String(300), nullable=False),
    Column("post_id", String(100), nullable=False),
    Column("remote_id", String(300), nullable=False),  # the published post: the thread
    Column("author_handle", String(200), nullable=True),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=True),
    Column("permalink", Text, nullable=True),
    Column("from_office", Boolean, nullable=False),
    Column("is_question", Boolean, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
    UniqueConstraint("platform", "reply_id", name="uq_replies_platform_reply"),
    Index("ix_replies_thread", "platform", "remote_id"),
    Index("ix_replies_created_at", "created_at"),
)

audience = Table(
    "audience",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(40), nullable=False),
    Column("metric", String(100), nullable=False),
    Column("value", BigInteger, nullable=True),
    Column("fetched_at", UTCDateTime, nullable=False),
)

skm_results = Table(
    "skm_results",
    metadata,
    Column("period", String(10), primary_key=True),
    Column("respondents", Integer, nullable=False),
    Column("totals", Text, nullable=False),
    Column("nrr", Text, nullable=False),
    Column("ikm", Float, nullable=False),
    Column("ikm_exact", String(60), nullable=False),
    Column("category", String(1), nullable=False),
    Column("mutu", String(40), nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    Column("source_file", Text, nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("post", String(100), nullable=False),
)
