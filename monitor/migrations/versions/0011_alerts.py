"""alerts: one case per supplier with its lifecycle, events and notes, and the audit log

audit_log and alert_events are append-only: a trigger refuses UPDATE and DELETE on both
backends, so not even a bug or a hand-written statement through the application changes history.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import monitor.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("audit_log", "alert_events")
JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", monitor.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("object_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("object_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("before", JSON_VALUE, nullable=True),
        sa.Column("after", JSON_VALUE, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", JSON_VALUE, nullable=False),
        sa.Column("opened_at", monitor.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("opened_run_id", sa.Integer(), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("assignee", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("snoozed_until", monitor.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("snoozed_at", monitor.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("snooze_reason", sa.Text(), nullable=True),
        sa.Column("snoozed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("snooze_score", sa.Float(), nullable=True),
        sa.Column("snooze_run_id", sa.Integer(), nullable=True),
        sa.Column("dismiss_reason", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("dismiss_text", sa.Text(), nullable=True),
        sa.Column("dismissed_score", sa.Float(), nullable=True),
        sa.Column("dismissed_kinds", JSON_VALUE, nullable=False),
        sa.Column("changed_at", monitor.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["last_run_id"], ["scoring_runs.id"]),
        sa.ForeignKeyConstraint(["opened_run_id"], ["scoring_runs.id"]),
        sa.ForeignKeyConstraint(["snooze_run_id"], ["scoring_runs.id"]),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("supplier_id"),
    )
    op.create_index(op.f("ix_alerts_state"), "alerts", ["state"])
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("at", monitor.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("before", JSON_VALUE, nullable=False),
        sa.Column("after", JSON_VALUE, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_alert_events_alert_id"), "alert_events", ["alert_id"])
    op.create_table(
        "alert_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("at", monitor.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_alert_notes_alert_id"), "alert_notes", ["alert_id"])
    for table in APPEND_ONLY:
        _refuse_changes(table)


def _refuse_changes(table: str) -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{table} is append-only: rows cannot be changed or removed';
            END $$""")
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} BEGIN "
                   f"SELECT RAISE(ABORT, '{table} is append-only: rows cannot be changed or removed'); END")


def downgrade() -> None:
    postgres = op.get_context().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.drop_table("alert_notes")
    op.drop_table("alert_events")
    op.drop_table("alerts")
    op.drop_table("audit_log")
