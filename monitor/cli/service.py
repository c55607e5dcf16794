"""`monitor run` (the service) and `monitor status` (what it is doing, from any terminal)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import ListFormat, console, err_console, print_table, state_of, translator, user_errors
from monitor.cli.jobs import TEXTS as JOB_TEXTS
from monitor.cli.jobs import schedule_text, word
from monitor.texts import Texts

TEXTS = Texts(
    sv={
        "title": "Jobb",
        "col_last_run": "senaste körning",
        "col_last_success": "senast klart",
        "never": "aldrig",
        "feeds": "Nyhetsflöden: [och: {healthy} fungerar ;; {failing} fungerar inte]",
        "feeds_none": "Nyhetsflöden: inga hämtade ännu",
        "digest_none": "Veckosammanställning: ingen skickad ännu",
        "digest": "Veckosammanställning {week}: {status}",
        "digest_error": "Veckosammanställning {week}: {status} ({error})",
        "digest_claimed": "påbörjad",
        "digest_sending": "skickas",
        "digest_sent": "skickad",
        "digest_failed": "misslyckades",
        "digest_uncertain": "oklart om den kom fram",
        "digest_skipped": "inte skickad: inget nytt",
    },
    en={
        "title": "Jobs",
        "col_last_run": "last run",
        "col_last_success": "last success",
        "never": "never",
        "feeds": "Feeds: [and: {healthy} healthy ;; {failing} failing]",
        "feeds_none": "Feeds: none polled yet",
        "digest_none": "Digest: none sent yet",
        "digest": "Digest: {week} {status}",
        "digest_error": "Digest: {week} {status} ({error})",
        "digest_claimed": "claimed",
        "digest_sending": "sending",
        "digest_sent": "sent",
        "digest_failed": "failed",
        "digest_uncertain": "uncertain",
        "digest_skipped": "not sent: nothing new",
    },
)


@user_errors
def run(ctx: typer.Context) -> None:
    """Run as a service: the jobs of schedule.yaml (feeds, inbox, scoring, digest, retention) and
    an HTTP server with /healthz, /readyz, /status and /metrics. Stops on SIGTERM or Ctrl-C,
    letting a running job finish within MONITOR_SHUTDOWN_GRACE_SECONDS."""
    from monitor.jobs.schedule import load_schedule
    from monitor.jobs.service import Service

    state = state_of(ctx)
    schedule = load_schedule(state.settings.resolved("schedule_file"))
    # The startup line goes where the service's log goes (the journal): English, like the log lines.
    code = Service(state.engine(), state.settings, schedule).run(
        on_listening=lambda line: err_console.print(line, highlight=False, markup=False))
    raise typer.Exit(code)


@user_errors
def status(
    ctx: typer.Context,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
) -> None:
    """What the service is doing: each job's last run, last success and next run; the feeds'
    health; the latest digest. The same as GET /status."""
    from monitor.jobs.schedule import load_schedule
    from monitor.jobs.status import service_status

    state = state_of(ctx)
    schedule = load_schedule(state.settings.resolved("schedule_file"))
    report = service_status(state.engine(create=False), schedule)
    if format is ListFormat.json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return
    t, jt = translator(ctx, TEXTS), translator(ctx, JOB_TEXTS)
    table = Table(title=t("title"))
    for column in (jt("col_job"), jt("col_schedule"), t("col_last_run"), jt("col_status"), t("col_last_success"),
                   jt("col_next"), jt("col_error")):
        table.add_column(column)
    for name, job in report["jobs"].items():
        last = job["last_run"] or {}
        spec = schedule.jobs.get(name)
        when = schedule_text(spec, jt) if spec is not None else job["schedule"]
        status_text = word(jt, "status", last["status"]) if "status" in last else t("never")
        table.add_row(name, escape(when), _short(last.get("started_at")), status_text,
                      _short(job["last_success"]), _short(job["next_run"]), escape(last.get("error") or ""))
    print_table(table)
    feeds, digest = report["feeds"], report["digest"]
    line = t("feeds", **feeds) if feeds["healthy"] or feeds["failing"] else t("feeds_none")
    console.print(line, highlight=False, markup=False)
    if digest is None:
        console.print(t("digest_none"), highlight=False, markup=False)
    else:
        sent = word(t, "digest", digest["status"])
        line = (t("digest_error", week=digest["week"], status=sent, error=digest["error"]) if digest["error"]
                else t("digest", week=digest["week"], status=sent))
        console.print(line, highlight=False, markup=False)


def _short(iso: str | None) -> str:
    """2026-12-07T07:00:00+01:00 -> 2026-12-07 07:00 (local time, as everywhere else)."""
    return iso[:16].replace("T", " ") if iso else ""
