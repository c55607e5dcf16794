"""score components and the scoring run's as-of instant

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import monitor.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("scoring_runs") as batch:
        batch.add_column(sa.Column("as_of", monitor.db.UtcDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("supplier_scores") as batch:
        # Existing rows predate the components: an empty object, not null.
        batch.add_column(sa.Column("components", _JSON, nullable=False, server_default=sa.text("'{}'")))
    with op.batch_alter_table("supplier_scores") as batch:
        batch.alter_column("components", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("supplier_scores") as batch:
        batch.drop_column("components")
    with op.batch_alter_table("scoring_runs") as batch:
        batch.drop_column("as_of")
