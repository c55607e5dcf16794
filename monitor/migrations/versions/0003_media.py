"""media feeds, articles and their sources

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import monitor.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = monitor.db.UtcDateTime(timezone=True)


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _str(300), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("tags", _JSON, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("ignore_cache_headers", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", _str(100), nullable=True),
        sa.Column("last_checked_at", _TS, nullable=True),
        sa.Column("last_success_at", _TS, nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", _TS, nullable=True),
        sa.Column("error_weight", sa.Float(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("next_check_at", _TS, nullable=True),
        sa.Column("healthy", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", _str(300), nullable=True),
        sa.Column("entries_seen", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("feeds") as batch:
        batch.create_index(batch.f("ix_feeds_next_check_at"), ["next_check_at"], unique=False)

    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity", _str(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("normalised_url", sa.Text(), nullable=True),
        sa.Column("url_key", _str(64), nullable=True),
        sa.Column("title", _str(1000), nullable=False),
        sa.Column("title_key", _str(500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("content_hash", _str(64), nullable=False),
        sa.Column("published_at", _TS, nullable=True),
        sa.Column("first_seen_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["story_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity"),
    )
    with op.batch_alter_table("articles") as batch:
        batch.create_index(batch.f("ix_articles_url_key"), ["url_key"], unique=False)
        batch.create_index(batch.f("ix_articles_title_key"), ["title_key"], unique=False)
        batch.create_index(batch.f("ix_articles_published_at"), ["published_at"], unique=False)
        batch.create_index(batch.f("ix_articles_story_id"), ["story_id"], unique=False)

    op.create_table(
        "article_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("entry_key", _str(64), nullable=False),
        sa.Column("guid", sa.Text(), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("content_hash", _str(64), nullable=False),
        sa.Column("first_seen_at", _TS, nullable=False),
        sa.Column("last_seen_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("feed_id", "entry_key"),
    )
    with op.batch_alter_table("article_sources") as batch:
        batch.create_index(batch.f("ix_article_sources_article_id"), ["article_id"], unique=False)
        batch.create_index(batch.f("ix_article_sources_feed_id"), ["feed_id"], unique=False)


def downgrade() -> None:
    op.drop_table("article_sources")
    op.drop_table("articles")
    op.drop_table("feeds")
