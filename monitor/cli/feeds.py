"""`monitor feeds ...`: check feeds.yaml, poll the feeds, show their health."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel import Session

from monitor.cli.common import console, err_console, print_table, progress_bar, state_of, user_errors
from monitor.timestamps import local_iso, local_text

feeds_app = typer.Typer(no_args_is_help=True, help="Check, poll and show the media feeds in feeds.yaml.")


class StatusFormat(StrEnum):
    table = "table"
    json = "json"


@feeds_app.command("check")
@user_errors
def feeds_check(ctx: typer.Context) -> None:
    """Validate feeds.yaml and the feeds' addresses; exit code 2 with file:line on an error.

    A feed at a loopback, private or link-local address (as written, or what its host resolves
    to now) is refused unless it says `allow_private_network: true`."""
    from monitor.media.feeds import load_feeds, refused_feeds

    settings = state_of(ctx).settings
    path = settings.resolved("feeds_file")
    feeds = load_feeds(path)
    refused = refused_feeds(path, feeds, settings.feeds_allow_private_networks)
    for problem in refused:
        err_console.print(f"[bold red]Error:[/] {escape(problem)}", highlight=False)
    if refused:
        raise typer.Exit(2)
    search = " and a search feed per supplier" if feeds.supplier_search else ""
    console.print(f"{len(feeds.feeds)} feeds OK in {path} ({sum(f.enabled for f in feeds.feeds)} enabled){search}",
                  highlight=False)


@feeds_app.command("poll")
@user_errors
def feeds_poll(
    ctx: typer.Context,
    poll_all: Annotated[bool, typer.Option("--all", help="Poll every enabled feed, due or not.")] = False,
) -> None:
    """Poll the feeds that are due (or --all) concurrently, store new and updated articles and
    match them to the suppliers (with rules/media.yaml), so `monitor media list` shows them.

    A feed that fails does not stop the others; its error is stored and shown by `feeds status`.
    Exit code 1 if any feed failed."""
    from monitor.cli.score import media_rules
    from monitor.media.feeds import load_feeds
    from monitor.media.poller import poll_feeds

    state = state_of(ctx)
    path = state.settings.resolved("feeds_file")
    feeds = load_feeds(path)
    with progress_bar(TextColumn("Polling feeds"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as progress:
        task = progress.add_task("poll", total=None)
        summary = poll_feeds(
            state.engine(), feeds, poll_all=poll_all,
            allow_private_networks=state.settings.feeds_allow_private_networks,
            media_rules=media_rules(state.settings.resolved("rules_dir")),
            on_start=lambda n: progress.update(task, total=n),
            on_outcome=lambda _outcome: progress.advance(task),
        )
    if not summary.outcomes:
        enabled = [f for f in feeds.feeds if f.enabled] or (feeds.supplier_search and feeds.supplier_search.enabled)
        if not enabled:
            console.print(f"No feed polled: every feed in {path} is disabled ({len(feeds.feeds)} listed, the "
                          "shipped ones are examples). Check a feed's address, then set `enabled: true` on it.",
                          highlight=False)
        else:
            console.print("No feed is due; `monitor feeds poll --all` polls every enabled feed now "
                          "(`monitor feeds status` shows the next checks).", highlight=False)
        return
    for outcome in summary.outcomes:
        if not outcome.ok:
            console.print(f"[red]failed[/] {escape(outcome.name)}: {escape(outcome.error or '')}", highlight=False)
    console.print(
        f"Polled {len(summary.outcomes)} feeds: {summary.ok} OK ({sum(o.not_modified for o in summary.outcomes)} "
        f"not modified), {summary.failed} failed. Articles: {summary.total('new')} new, "
        f"{summary.total('updated')} updated, {summary.total('merged')} also seen elsewhere.",
        highlight=False,
    )
    if summary.matched is not None:
        console.print(f"Matched {summary.matched.articles} articles to the suppliers: {summary.matched.matches} "
                      f"mentions, {summary.matched.with_risk} with risk words (`monitor media list`).",
                      highlight=False)
    if summary.failed:
        raise typer.Exit(1)


def _when(value: datetime | None) -> str:
    return local_text(value) if value else "-"


STATE_STYLE = {"healthy": "green", "failing": "yellow", "unhealthy": "red", "refused": "red", "gone": "red",
               "disabled": "dim", "disabled example": "dim", "not listed": "dim"}


@feeds_app.command("status")
@user_errors
def feeds_status(
    ctx: typer.Context,
    format: Annotated[StatusFormat, typer.Option("--format", "-f", help="table or json.")] = StatusFormat.table,
) -> None:
    """Each feed's health: last success, last error, failures in a row and next check, and why
    a feed is refused or disabled. Lists feeds.yaml as it is now; changes nothing."""
    from monitor.media.feeds import load_feeds
    from monitor.media.status import feed_statuses

    state = state_of(ctx)
    path = state.settings.resolved("feeds_file")
    feeds = load_feeds(path)
    with Session(state.engine(create=False)) as session:
        statuses = feed_statuses(session, feeds, state.settings.feeds_allow_private_networks)
    if format is StatusFormat.json:
        rows = [{k: local_iso(v) if isinstance(v, datetime) else v
                 for k, v in asdict(s).items()} for s in statuses]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table()
    for column in ("Feed", "State", "Last success", "Last error", "Failures", "Next check"):
        table.add_column(column)
    for s in statuses:
        shown = f"not in {path}" if s.state == "not listed" else s.state
        state_text = f"[{STATE_STYLE.get(s.state, 'default')}]{escape(shown)}[/]"
        if s.detail:
            state_text += f": {escape(s.detail)}"
        error = f"{_when(s.last_error_at)} {s.last_error}" if s.last_error else "-"
        due = "now" if s.due_now else _when(s.next_check_at)
        table.add_row(escape(s.name), state_text, _when(s.last_success_at), escape(error), str(s.failures), due)
    print_table(table)
    examples = sum(s.state == "disabled example" for s in statuses)
    if examples:
        console.print(f"{examples} disabled example feed(s) in {path}: check each address, then set "
                      "`enabled: true`.", highlight=False)
