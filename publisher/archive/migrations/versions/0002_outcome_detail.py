"""Outcomes keep why (the failure, the skip reason, the resolution); audit reads them in time order.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("detail", sa.Text, nullable=True))
    op.create_index("ix_outcomes_settled_at", "outcomes", ["settled_at"])


def downgrade() -> None:
    op.drop_index("ix_outcomes_settled_at", table_name="outcomes")
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("detail")
