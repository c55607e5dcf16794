"""`monitor run` (the service) and `monitor status` (what it is doing, from any terminal)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import err_console, print_table, state_of, user_errors


class StatusFormat(StrEnum):
    table = "table"
    json = "json"


@user_errors
def run(ctx: typer.Context) -> None:
    """Run as a service: the jobs of schedule.yaml (feeds, inbox, scoring, digest, retention) and
    an HTTP server with /healthz, /readyz, /status and /metrics. Stops on SIGTERM or Ctrl-C,
    letting a running job finish within MONITOR_SHUTDOWN_GRACE_SECONDS."""
    from monitor.jobs.schedule import load_schedule
    from monitor.jobs.service import Service

    state = state_of(ctx)
    schedule = load_schedule(state.settings.resolved("schedule_file"))
    code = Service(state.engine(), state.settings, schedule).run(
        on_listening=lambda line: err_console.print(line, highlight=False, markup=False))
    raise typer.Exit(code)


@user_errors
def status(
    ctx: typer.Context,
    format: Annotated[StatusFormat, typer.Option("--format", "-f", help="table or json.")] = StatusFormat.table,
) -> None:
    """What the service is doing: each job's last run, last success and next run; the feeds'
    health; the latest digest. The same as GET /status."""
    from monitor.jobs.schedule import load_schedule
    from monitor.jobs.status import service_status

    state = state_of(ctx)
    schedule = load_schedule(state.settings.resolved("schedule_file"))
    report = service_status(state.engine(create=False), schedule)
    if format is StatusFormat.json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title="Jobs")
    for name in ("job", "schedule", "last run", "status", "last success", "next run", "error"):
        table.add_column(name)
    for name, job in report["jobs"].items():
        last = job["last_run"] or {}
        table.add_row(name, job["schedule"] if job["enabled"] else "disabled", _short(last.get("started_at")),
                      last.get("status", "never"), _short(job["last_success"]), _short(job["next_run"]),
                      escape(last.get("error") or ""))
    print_table(table)
    feeds, digest = report["feeds"], report["digest"]
    print(f"Feeds: {feeds['healthy']} healthy, {feeds['failing']} failing")
    if digest is None:
        print("Digest: none sent yet")
    else:
        print(f"Digest: {digest['week']} {digest['status']}" + (f" ({digest['error']})" if digest["error"] else ""))


def _short(iso: str | None) -> str:
    """2026-12-07T07:00:00+01:00 -> 2026-12-07 07:00 (local time, as everywhere else)."""
    return iso[:16].replace("T", " ") if iso else ""
