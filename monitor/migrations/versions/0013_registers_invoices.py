"""register snapshots (company facts, IVO permits) and invoices; suppliers know a cancelled contract

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-04 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("suppliers") as batch:
        batch.add_column(sa.Column("contract_cancelled", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "registry_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_number", _string(11), nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("name", _string(300), nullable=True),
        sa.Column("f_tax", sa.Boolean(), nullable=True),
        sa.Column("vat", sa.Boolean(), nullable=True),
        sa.Column("employer", sa.Boolean(), nullable=True),
        sa.Column("payment_remarks", sa.Integer(), nullable=True),
        sa.Column("payment_remarks_amount", sa.Float(), nullable=True),
        sa.Column("credit_rating", _string(16), nullable=True),
        sa.Column("company_status", _string(32), nullable=True),
        sa.Column("registration_date", sa.Date(), nullable=True),
        sa.Column("board_refs", JSON_VALUE, nullable=False),
        sa.Column("signatory_refs", JSON_VALUE, nullable=False),
        sa.Column("auditor", _string(300), nullable=True),
        sa.Column("address", _string(300), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["import_batch_id"], ["import_batches.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_number", "snapshot_date"),
    )
    op.create_index(op.f("ix_registry_snapshots_org_number"), "registry_snapshots", ["org_number"])
    op.create_table(
        "permits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_number", _string(11), nullable=False),
        sa.Column("unit", _string(300), nullable=False),
        sa.Column("permit_type", _string(100), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("status", _string(16), nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("criticism_date", sa.Date(), nullable=True),
        sa.Column("criticism_area", _string(100), nullable=True),
        sa.Column("criticism", sa.Text(), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["import_batch_id"], ["import_batches.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_number", "unit", "permit_type", "snapshot_date"),
    )
    op.create_index(op.f("ix_permits_org_number"), "permits", ["org_number"])
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", _string(100), nullable=False),
        sa.Column("org_number", _string(11), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("service_type", _string(100), nullable=False),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("units", sa.Float(), nullable=True),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("contract_price", sa.Float(), nullable=True),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("contract_area", _string(100), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["import_batch_id"], ["import_batches.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_number", "invoice_id", "service_type", "period"),
    )
    op.create_index(op.f("ix_invoices_org_number"), "invoices", ["org_number"])


def downgrade() -> None:
    op.drop_index(op.f("ix_invoices_org_number"), table_name="invoices")
    op.drop_table("invoices")
    op.drop_index(op.f("ix_permits_org_number"), table_name="permits")
    op.drop_table("permits")
    op.drop_index(op.f("ix_registry_snapshots_org_number"), table_name="registry_snapshots")
    op.drop_table("registry_snapshots")
    with op.batch_alter_table("suppliers") as batch:
        batch.drop_column("contract_cancelled")
