"""article matches: which supplier an article names, its media risk, and the team's ignore flag

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import monitor.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "article_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("surface", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("keywords", _JSON, nullable=False),
        sa.Column("praise", sa.Boolean(), nullable=False),
        sa.Column("matched_at", monitor.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ignored", sa.Boolean(), nullable=False),
        sa.Column("ignore_reason", sa.Text(), nullable=True),
        sa.Column("ignored_at", monitor.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "supplier_id"),
    )
    op.create_index(op.f("ix_article_matches_article_id"), "article_matches", ["article_id"], unique=False)
    op.create_index(op.f("ix_article_matches_supplier_id"), "article_matches", ["supplier_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_article_matches_supplier_id"), table_name="article_matches")
    op.drop_index(op.f("ix_article_matches_article_id"), table_name="article_matches")
    op.drop_table("article_matches")
