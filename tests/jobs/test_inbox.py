"""The inbox job, step by step without a scheduler: what is imported, archived, failed or left."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.jobs.context import JobContext
from monitor.jobs.inbox import import_inbox
from monitor.jobs.schedule import load_schedule
from monitor.models import ImportBatch, Visit
from tests.conftest import HONEST, SUSPECT, supplier_row, visit_row
from tests.jobs.conftest import evidence_files, write_rows

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def inbox_ctx(engine, settings, tmp_path: Path):
    def make(settle_seconds: float = 0) -> JobContext:
        schedule_file = tmp_path / "schedule.yaml"
        schedule_file.write_text(
            f"jobs:\n  import-inbox:\n    every_minutes: 5\ninbox:\n  settle_seconds: {settle_seconds}\n"
            "  files:\n    - pattern: 'besok-*.csv'\n      kind: visits\n", encoding="utf-8")
        inbox = tmp_path / "inbox"
        inbox.mkdir(exist_ok=True)
        return JobContext(engine, settings.model_copy(update={"inbox_dir": inbox}), load_schedule(schedule_file),
                          now=lambda: NOW)
    return make


def batches(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ImportBatch.__table__)).scalar_one()


def test_it_imports_suppliers_before_the_visits_that_need_them_and_archives_by_month(inbox_ctx, engine):
    ctx = inbox_ctx()
    evidence_files(ctx.settings.inbox_dir)
    counts = import_inbox(ctx)
    assert counts["imported"] == 3 and counts["failed"] == 0 and counts["rows_changed"] == 5
    archive = ctx.settings.inbox_dir / "archive" / "2026-12"
    assert sorted(p.name for p in archive.iterdir()) == ["observations-v41.csv", "suppliers.csv", "visits-v41.csv"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Visit.__table__)).scalar_one() == 2


def test_it_keeps_the_rejected_rows_beside_the_archived_file(inbox_ctx):
    ctx = inbox_ctx()
    write_rows(ctx.settings.inbox_dir / "suppliers.csv", [supplier_row(**HONEST), supplier_row(**SUSPECT)])
    write_rows(ctx.settings.inbox_dir / "besok-v49.csv", [
        visit_row("V1", "2026-10-06 08:30", "2026-10-06 09:00"),
        visit_row("V2", "2026-10-06 12:00", "2026-10-06 11:00"),
    ])
    counts = import_inbox(ctx)
    assert counts["rows_rejected"] == 1
    archive = ctx.settings.inbox_dir / "archive" / "2026-12"
    assert (archive / "besok-v49.csv.rejected.csv").exists()
    assert not list(ctx.settings.inbox_dir.glob("*.csv"))


@pytest.mark.parametrize(("name", "text", "reason"), [
    ("visits-v49.csv", "visit_id,staff_id\nV1,S1\n", "visits-v49.csv:1: missing required column(s)"),
    ("rapport.csv", "a,b\n1,2\n", "no inbox pattern"),
], ids=["missing-column", "unknown-name"])
def test_it_moves_a_file_it_cannot_import_to_failed_with_the_reason(inbox_ctx, name, text, reason):
    ctx = inbox_ctx()
    (ctx.settings.inbox_dir / name).write_text(text, encoding="utf-8")
    assert import_inbox(ctx)["failed"] == 1
    failed = ctx.settings.inbox_dir / "failed"
    assert (failed / name).read_text(encoding="utf-8") == text
    assert reason in (failed / f"{name}.error.txt").read_text(encoding="utf-8")


def test_it_archives_a_file_imported_before_without_importing_it_again(inbox_ctx, engine):
    ctx = inbox_ctx()
    rows = [supplier_row(**HONEST)]
    write_rows(ctx.settings.inbox_dir / "suppliers.csv", rows)
    import_inbox(ctx)
    before = batches(engine)
    write_rows(ctx.settings.inbox_dir / "suppliers.csv", rows)
    assert import_inbox(ctx)["already_imported"] == 1
    assert batches(engine) == before
    assert sorted(p.name for p in (ctx.settings.inbox_dir / "archive" / "2026-12").iterdir()) == [
        "suppliers-2.csv", "suppliers.csv"]


def test_it_leaves_a_file_that_is_still_growing_until_it_stops(inbox_ctx):
    ctx = inbox_ctx(settle_seconds=3600)
    path = write_rows(ctx.settings.inbox_dir / "suppliers.csv", [supplier_row(**HONEST)])
    assert import_inbox(ctx)["waiting"] == 1
    with path.open("a", encoding="utf-8") as f:
        f.write(",".join(supplier_row(**SUSPECT).values()) + "\n")
    assert import_inbox(ctx)["waiting"] == 1
    assert import_inbox(ctx)["imported"] == 1


def test_a_file_under_another_pseudonym_key_fails_the_job_and_stays_in_the_inbox(inbox_ctx, engine):
    from pydantic import SecretStr

    from monitor.keycheck import PseudonymKeyError

    ctx = inbox_ctx()
    evidence_files(ctx.settings.inbox_dir)
    import_inbox(ctx)
    other = JobContext(engine, ctx.settings.model_copy(update={"pseudonym_key": SecretStr("another key, long enough")}),
                       ctx.schedule, now=lambda: NOW)
    write_rows(ctx.settings.inbox_dir / "besok-v50.csv", [visit_row("V9", "2026-10-07 08:30", "2026-10-07 09:00")])
    with pytest.raises(PseudonymKeyError, match="rekey"):
        import_inbox(other)
    assert (ctx.settings.inbox_dir / "besok-v50.csv").exists()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Visit.__table__)).scalar_one() == 2


def test_a_supplier_file_needs_no_pseudonym_key(inbox_ctx, engine):
    ctx = inbox_ctx()
    keyless = JobContext(engine, ctx.settings.model_copy(update={"pseudonym_key": None}), ctx.schedule,
                         now=lambda: NOW)
    write_rows(ctx.settings.inbox_dir / "suppliers.csv", [supplier_row(**HONEST)])
    assert import_inbox(keyless)["imported"] == 1
