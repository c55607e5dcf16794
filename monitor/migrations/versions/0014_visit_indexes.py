"""visits lose the two indexes no query uses (staff/start, address key)

Every look-up of visits goes by the window's start (alone or per supplier), by visit id (the
evidence, the import's key) or by client (a pseudonym key rotation). The rules that pair a
staff member's visits or match a door to its visits do it in memory over the window they
loaded, never by a query on staff or address, so those two indexes only cost every import
(built again after a large load: a fifth of its database work each) and about 40 MB per
million visits. Add one back with the query that needs it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_visits_staff_start", table_name="visits")
    op.drop_index("ix_visits_address_key", table_name="visits")


def downgrade() -> None:
    op.create_index("ix_visits_address_key", "visits", ["address_key"])
    op.create_index("ix_visits_staff_start", "visits", ["staff_id", "registered_start"])
