"""`monitor jobs ...`: the effective schedule, the run history, and running a job by hand."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import console, err_console, print_table, state_of, user_errors
from monitor.timestamps import local_text

jobs_app = typer.Typer(no_args_is_help=True, help="The service's jobs: schedule, history, run one now.")


class HistoryFormat(StrEnum):
    table = "table"
    json = "json"


@jobs_app.command("list")
@user_errors
def list_jobs(ctx: typer.Context) -> None:
    """The jobs of schedule.yaml (MONITOR_SCHEDULE_FILE) with their timing and next run."""
    from monitor.db import utcnow
    from monitor.jobs.schedule import load_schedule
    from monitor.jobs.status import next_runs

    state = state_of(ctx)
    path = state.settings.resolved("schedule_file")
    schedule = load_schedule(path)
    try:
        stored = next_runs(state.engine(create=False))
    except LookupError:
        stored = {}  # no database yet: the times the service would start with
    now = utcnow()
    table = Table(title=f"Jobs in {path} (times Europe/Stockholm)")
    for name in ("job", "task", "schedule", "next run", "misfire grace"):
        table.add_column(name)
    for name, spec in schedule.jobs.items():
        upcoming = stored.get(name) if name in stored else spec.trigger().get_next_fire_time(None, now)
        table.add_row(name, schedule.task_of(name), spec.describe() if spec.enabled else "disabled",
                      local_text(upcoming) if upcoming and spec.enabled else "",
                      f"{spec.misfire_grace_minutes:g} min")
    print_table(table)


@jobs_app.command("history")
@user_errors
def history(
    ctx: typer.Context,
    job: Annotated[str | None, typer.Option(help="Only this job.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    format: Annotated[HistoryFormat, typer.Option("--format", "-f", help="table or json.")] = HistoryFormat.table,
) -> None:
    """The job runs, newest first: when, how it ended (ok, failed, skipped, interrupted), counts, error."""
    from monitor.jobs.runs import run_history

    records = run_history(state_of(ctx).engine(create=False), job, limit)
    if format is HistoryFormat.json:
        sys.stdout.write(json.dumps([r.as_json() for r in records], ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"Job runs ({len(records)} newest)")
    for name in ("id", "job", "started", "seconds", "status", "trigger", "counts", "error"):
        table.add_column(name, justify="right" if name in ("id", "seconds") else "left")
    for r in records:
        counts = ", ".join(f"{k}={v}" for k, v in r.counts.items())
        table.add_row(str(r.id), r.job, local_text(r.started_at), f"{r.seconds:.1f}" if r.seconds is not None else "",
                      r.status, r.trigger, escape(counts), escape(r.error or ""))
    print_table(table)


@jobs_app.command("run")
@user_errors
def run_now(ctx: typer.Context, name: Annotated[str, typer.Argument(help="A job of schedule.yaml.")]) -> None:
    """Run one job now, through the same lock as the service: if the service (or anyone) is
    running it right now, nothing is done. Exit code 1 if the job failed or was skipped."""
    from monitor.jobs.context import JobContext
    from monitor.jobs.runner import run_job
    from monitor.jobs.schedule import load_schedule

    state = state_of(ctx)
    schedule = load_schedule(state.settings.resolved("schedule_file"))
    if name not in schedule.jobs:
        raise LookupError(f"no job {name!r} in {state.settings.resolved('schedule_file')} "
                          f"(jobs: {', '.join(schedule.jobs)})")
    ended = run_job(JobContext(state.engine(), state.settings, schedule), name, trigger="manual")
    counts = ", ".join(f"{k}={v}" for k, v in ended.counts.items())
    if ended.status == "ok":
        console.print(f"{name}: ok ({counts})" if counts else f"{name}: ok", highlight=False, markup=False)
        return
    err_console.print(f"{name}: {ended.status}: {ended.error}", highlight=False, markup=False)
    raise typer.Exit(1)
