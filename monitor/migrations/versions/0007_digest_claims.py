"""the weekly digest is claimed before it is sent, and its delivery state is kept

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import monitor.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digests") as batch:
        # Rows from before this revision were written after delivery: sent.
        batch.add_column(sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                   server_default="sent"))
        batch.add_column(sa.Column("claim_token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch.add_column(sa.Column("claimed_at", monitor.db.UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sent_at", monitor.db.UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("message_id", sa.Text(), nullable=True))
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
    op.execute("UPDATE digests SET sent_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("digests") as batch:
        for column in ("error", "message_id", "attempts", "sent_at", "claimed_at", "claim_token", "status"):
            batch.drop_column(column)
