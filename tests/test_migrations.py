from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import monitor.models  # noqa: F401
from monitor.db import current_revision, head_revision, make_engine, upgrade_database


def test_the_migrations_build_exactly_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_upgrading_an_up_to_date_database_changes_nothing_and_keeps_data(engine):
    with engine.begin() as conn:
        conn.execute(text("insert into scoring_runs (started_at, findings_total, findings_new) "
                          "values ('2026-10-01 00:00:00', 3, 1)"))
    assert upgrade_database(engine) is False
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("select findings_total from scoring_runs")).scalar() == 3


def test_a_new_sqlite_database_is_created_on_first_use(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert upgrade_database(engine) is True
    assert current_revision(engine) == head_revision()
