"""The base schema: approvals, and one row per settled outcome of a target.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("post_id", sa.String(100), nullable=False),
        sa.Column("content_hash", sa.String(16), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("approver", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("system_user", sa.String(200), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=True),
    )
    op.create_index("ix_approvals_post_id", "approvals", ["post_id"])
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("target_id", sa.String(300), nullable=False),
        sa.Column("post_id", sa.String(100), nullable=False),
        sa.Column("occurrence", sa.String(100), nullable=False),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("caption", sa.Text, nullable=True),
        sa.Column("alt", sa.Text, nullable=True),
        sa.Column("card_sha256", sa.String(64), nullable=True),
        sa.Column("remote_id", sa.String(300), nullable=True),
        sa.Column("permalink", sa.Text, nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approval_id", sa.Integer, sa.ForeignKey("approvals.id"), nullable=True),
        sa.UniqueConstraint("dry_run", "target_id", "state", "attempts", name="uq_outcomes_settled"),
    )
    op.create_index("ix_outcomes_post_id", "outcomes", ["post_id"])


def downgrade() -> None:
    op.drop_table("outcomes")
    op.drop_table("approvals")
