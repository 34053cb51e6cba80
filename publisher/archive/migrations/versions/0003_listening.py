"""Listening: engagement snapshots, the public's replies, account-level figures and the SKM results.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from publisher.archive.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("target_id", sa.String(300), nullable=False),
        sa.Column("post_id", sa.String(100), nullable=False),
        sa.Column("occurrence", sa.String(100), nullable=False),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("remote_id", sa.String(300), nullable=False),
        sa.Column("metric", sa.String(100), nullable=False),
        sa.Column("value", sa.BigInteger, nullable=True),
        sa.Column("api_version", sa.String(40), nullable=False),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
        sa.Column("age", sa.String(10), nullable=False),
    )
    op.create_index("ix_snapshots_target_age", "snapshots", ["target_id", "age"])
    op.create_index("ix_snapshots_fetched_at", "snapshots", ["fetched_at"])
    op.create_table(
        "replies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("reply_id", sa.String(300), nullable=False),
        sa.Column("target_id", sa.String(300), nullable=False),
        sa.Column("post_id", sa.String(100), nullable=False),
        sa.Column("remote_id", sa.String(300), nullable=False),
        sa.Column("author_handle", sa.String(200), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=True),
        sa.Column("permalink", sa.Text, nullable=True),
        sa.Column("from_office", sa.Boolean, nullable=False),
        sa.Column("is_question", sa.Boolean, nullable=False),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("platform", "reply_id", name="uq_replies_platform_reply"),
    )
    op.create_index("ix_replies_thread", "replies", ["platform", "remote_id"])
    op.create_index("ix_replies_created_at", "replies", ["created_at"])
    op.create_table(
        "audience",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("metric", sa.String(100), nullable=False),
        sa.Column("value", sa.BigInteger, nullable=True),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "skm_results",
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("respondents", sa.Integer, nullable=False),
        sa.Column("totals", sa.Text, nullable=False),  # JSON {"U1": 410, …}
        sa.Column("nrr", sa.Text, nullable=False),  # JSON {"U1": 3.4167, …}
        sa.Column("ikm", sa.Float, nullable=False),
        sa.Column("ikm_exact", sa.String(60), nullable=False),
        sa.Column("category", sa.String(1), nullable=False),
        sa.Column("mutu", sa.String(40), nullable=False),
        sa.Column("imported_at", UTCDateTime, nullable=False),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("post", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("skm_results")
    op.drop_table("audience")
    op.drop_index("ix_replies_created_at", table_name="replies")
    op.drop_index("ix_replies_thread", table_name="replies")
    op.drop_table("replies")
    op.drop_index("ix_snapshots_fetched_at", table_name="snapshots")
    op.drop_index("ix_snapshots_target_age", table_name="snapshots")
    op.drop_table("snapshots")
