"""`monitor jobs ...`: the effective schedule, the run history, and running a job by hand."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import ListFormat, console, err_console, print_table, state_of, translator, user_errors
from monitor.phrasing import format_number
from monitor.texts import Texts, Translator
from monitor.timestamps import local_text

if TYPE_CHECKING:
    from monitor.jobs.schedule import JobSpec

TEXTS = Texts(
    sv={
        "list_title": "Jobb i {path} (tider i svensk tid)",
        "col_job": "jobb",
        "col_task": "uppgift",
        "col_schedule": "schema",
        "col_next": "nästa körning",
        "col_grace": "tillåten försening",
        "col_id": "id",
        "col_started": "startad",
        "col_seconds": "sekunder",
        "col_status": "status",
        "col_trigger": "startad av",
        "col_counts": "antal",
        "col_error": "fel",
        "disabled": "avstängt",
        "minutes": "{minutes:minut|minuter}",
        "cron": "cron {cron} (svensk tid)",
        "every_seconds": "var {seconds:sekund|sekunder}",
        "every_minutes": "var {minutes:minut|minuter}",
        "every_minute": "varje minut",
        "history_title": "Jobbkörningar, senaste först ({runs:körning|körningar})",
        "history_none": "Inga jobbkörningar ännu.",
        "ok": "{job}: klart",
        "ok_counts": "{job}: klart ({counts})",
        "not_ok": "{job}: {status}: {error}",
        "status_ok": "klart",
        "status_failed": "misslyckades",
        "status_skipped": "hoppades över",
        "status_interrupted": "avbröts",
        "status_running": "pågår",
        "trigger_schedule": "schemat",
        "trigger_manual": "för hand",
    },
    en={
        "list_title": "Jobs in {path} (times Europe/Stockholm)",
        "col_job": "job",
        "col_task": "task",
        "col_schedule": "schedule",
        "col_next": "next run",
        "col_grace": "misfire grace",
        "col_id": "id",
        "col_started": "started",
        "col_seconds": "seconds",
        "col_status": "status",
        "col_trigger": "trigger",
        "col_counts": "counts",
        "col_error": "error",
        "disabled": "disabled",
        "minutes": "{minutes:min|min}",
        "cron": "cron {cron} (Europe/Stockholm)",
        "every_seconds": "every {seconds:s|s}",
        "every_minutes": "every {minutes:min|min}",
        "every_minute": "every minute",
        "history_title": "Job runs, newest first ({runs:run|runs})",
        "history_none": "No job runs yet.",
        "ok": "{job}: ok",
        "ok_counts": "{job}: ok ({counts})",
        "not_ok": "{job}: {status}: {error}",
        "status_ok": "ok",
        "status_failed": "failed",
        "status_skipped": "skipped",
        "status_interrupted": "interrupted",
        "status_running": "running",
        "trigger_schedule": "schedule",
        "trigger_manual": "manual",
    },
)


def schedule_text(spec: JobSpec, t: Translator) -> str:
    """When the job runs, in the run's language (the JSON and /status keep spec.describe())."""
    if not spec.enabled:
        return t("disabled")
    if spec.cron is not None:
        return t("cron", cron=spec.cron)
    if spec.every_seconds is not None:
        return t("every_seconds", seconds=spec.every_seconds)
    return t("every_minute") if spec.every_minutes == 1 else t("every_minutes", minutes=spec.every_minutes)


def word(t: Translator, kind: str, value: str) -> str:
    """A job run's status or trigger in words; a value this version does not know is shown as stored."""
    key = f"{kind}_{value}"
    return t(key) if key in t.texts.catalogues["sv"] else value


jobs_app = typer.Typer(no_args_is_help=True, help="The service's jobs: schedule, history, run one now.")


@jobs_app.command("list")
@user_errors
def list_jobs(ctx: typer.Context) -> None:
    """The jobs of schedule.yaml (MONITOR_SCHEDULE_FILE) with their timing and next run."""
    from monitor.db import utcnow
    from monitor.jobs.schedule import load_schedule
    from monitor.jobs.status import next_runs

    state = state_of(ctx)
    t = translator(ctx, TEXTS)
    path = state.settings.resolved("schedule_file")
    schedule = load_schedule(path)
    try:
        stored = next_runs(state.engine(create=False))
    except LookupError:
        stored = {}  # no database yet: the times the service would start with
    now = utcnow()
    # The path may hold [brackets]: a title is markup, so it is escaped.
    table = Table(title=escape(t("list_title", path=path)))
    for key in ("col_job", "col_task", "col_schedule", "col_next", "col_grace"):
        table.add_column(t(key))
    for name, spec in schedule.jobs.items():
        upcoming = stored.get(name) if name in stored else spec.trigger().get_next_fire_time(None, now)
        table.add_row(name, schedule.task_of(name), escape(schedule_text(spec, t)),
                      local_text(upcoming) if upcoming and spec.enabled else "",
                      t("minutes", minutes=spec.misfire_grace_minutes))
    print_table(table)


@jobs_app.command("history")
@user_errors
def history(
    ctx: typer.Context,
    job: Annotated[str | None, typer.Option(help="Only this job.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
) -> None:
    """The job runs, newest first: when, how it ended (ok, failed, skipped, interrupted), counts, error."""
    from monitor.jobs.runs import run_history

    records = run_history(state_of(ctx).engine(create=False), job, limit)
    if format is ListFormat.json:
        # For programs: statuses and triggers stay the stored English words.
        sys.stdout.write(json.dumps([r.as_json() for r in records], ensure_ascii=False, indent=2) + "\n")
        return
    t = translator(ctx, TEXTS)
    if not records:
        console.print(t("history_none"), highlight=False, markup=False)
        return
    table = Table(title=t("history_title", runs=len(records)))
    for key in ("col_id", "col_job", "col_started", "col_seconds", "col_status", "col_trigger", "col_counts",
                "col_error"):
        table.add_column(t(key), justify="right" if key in ("col_id", "col_seconds") else "left")
    for r in records:
        # The counts' names are the job's own (visits_removed=3), as in the logs and /status.
        counts = ", ".join(f"{k}={v}" for k, v in r.counts.items())
        seconds = str(format_number(round(r.seconds, 1), t.language)) if r.seconds is not None else ""
        table.add_row(str(r.id), r.job, local_text(r.started_at), seconds, word(t, "status", r.status),
                      word(t, "trigger", r.trigger), escape(counts), escape(r.error or ""))
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
    t = translator(ctx, TEXTS)
    ended = run_job(JobContext(state.engine(), state.settings, schedule), name, trigger="manual")
    counts = ", ".join(f"{k}={v}" for k, v in ended.counts.items())
    if ended.status == "ok":
        console.print(t("ok_counts", job=name, counts=counts) if counts else t("ok", job=name),
                      highlight=False, markup=False)
        return
    # The error is the exception's own message, in English like every error line.
    err_console.print(t("not_ok", job=name, status=word(t, "status", ended.status), error=ended.error),
                      highlight=False, markup=False)
    raise typer.Exit(1)
