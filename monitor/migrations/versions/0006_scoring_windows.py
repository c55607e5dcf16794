"""scoring runs judge a window; runs keep their findings; articles remember what they were matched against

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import monitor.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scoring_runs") as batch:
        batch.add_column(sa.Column("window_start", monitor.db.UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("window_end", monitor.db.UtcDateTime(timezone=True), nullable=True))
        # Kept as the column's default: a run written by older code is a regular run.
        batch.add_column(sa.Column("backfill", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "run_findings",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["scoring_runs.id"]),
        sa.PrimaryKeyConstraint("run_id", "finding_id"),
    )
    op.create_index(op.f("ix_run_findings_finding_id"), "run_findings", ["finding_id"], unique=False)
    # Findings stored before this revision belong to the run that last saw them.
    op.execute("INSERT INTO run_findings (run_id, finding_id) "
               "SELECT last_seen_run_id, id FROM findings WHERE last_seen_run_id IS NOT NULL")
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("matched_with", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.create_index(batch.f("ix_articles_matched_with"), ["matched_with"], unique=False)
    op.create_index("ix_visits_registered_start", "visits", ["registered_start"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_visits_registered_start", table_name="visits")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index(batch.f("ix_articles_matched_with"))
        batch.drop_column("matched_with")
    op.drop_index(op.f("ix_run_findings_finding_id"), table_name="run_findings")
    op.drop_table("run_findings")
    with op.batch_alter_table("scoring_runs") as batch:
        batch.drop_column("backfill")
        batch.drop_column("window_end")
        batch.drop_column("window_start")
