"""`monitor feeds ...`: check feeds.yaml, poll the feeds, show their health."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel import Session, col, select

from monitor.cli.common import console, err_console, progress_bar, state_of, user_errors
from monitor.timestamps import STOCKHOLM

feeds_app = typer.Typer(no_args_is_help=True, help="Check, poll and show the media feeds in feeds.yaml.")


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
    """Poll the feeds that are due (or --all) concurrently and store new and updated articles.

    A feed that fails does not stop the others; its error is stored and shown by `feeds status`.
    Exit code 1 if any feed failed."""
    from monitor.media.feeds import load_feeds
    from monitor.media.poller import poll_feeds

    state = state_of(ctx)
    feeds = load_feeds(state.settings.resolved("feeds_file"))
    with progress_bar(TextColumn("Polling feeds"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as progress:
        task = progress.add_task("poll", total=None)
        summary = poll_feeds(
            state.engine(), feeds, poll_all=poll_all,
            allow_private_networks=state.settings.feeds_allow_private_networks,
            on_start=lambda n: progress.update(task, total=n),
            on_outcome=lambda _outcome: progress.advance(task),
        )
    for outcome in summary.outcomes:
        if not outcome.ok:
            console.print(f"[red]failed[/] {escape(outcome.name)}: {escape(outcome.error or '')}", highlight=False)
    console.print(
        f"Polled {len(summary.outcomes)} feeds: {summary.ok} OK ({sum(o.not_modified for o in summary.outcomes)} "
        f"not modified), {summary.failed} failed. Articles: {summary.total('new')} new, "
        f"{summary.total('updated')} updated, {summary.total('merged')} also seen elsewhere.",
        highlight=False,
    )
    if summary.failed:
        raise typer.Exit(1)


def _when(value: datetime | None) -> str:
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if value else "-"


@feeds_app.command("status")
@user_errors
def feeds_status(ctx: typer.Context) -> None:
    """Each feed's health: last success, last error, failures in a row and next check."""
    from monitor.media.feeds import load_feeds
    from monitor.media.poller import sync_feeds
    from monitor.models import Feed

    state = state_of(ctx)
    feeds = load_feeds(state.settings.resolved("feeds_file"))
    with Session(state.engine()) as session:
        # Synced first so a feed just added to feeds.yaml shows as never polled, not missing.
        listed = {f.name for f in sync_feeds(session, feeds)}
        session.commit()
        rows = session.exec(select(Feed).order_by(col(Feed.name))).all()
    table = Table()
    for column in ("Feed", "State", "Last success", "Last error", "Failures", "Next check"):
        table.add_column(column)
    for row in rows:
        if row.name not in listed:
            status = "[dim]not in feeds.yaml[/]"
        elif row.disabled_reason:
            status = f"[red]disabled: {escape(row.disabled_reason)}[/]"
        elif not row.enabled:
            status = "[dim]disabled[/]"
        elif not row.healthy:
            status = "[red]unhealthy[/]"
        elif row.last_checked_at is None:
            status = "never polled"
        else:
            status = "[yellow]failing[/]" if row.consecutive_failures else "[green]healthy[/]"
        if row.moved_to and row.name in listed:
            status += f"\n[yellow]moved permanently to {escape(row.moved_to)}: update feeds.yaml[/]"
        error = f"{_when(row.last_error_at)} {row.last_error}" if row.last_error else "-"
        due = "-" if not row.enabled or row.disabled_reason else (_when(row.next_check_at) if row.next_check_at
                                                                     else "now")
        table.add_row(escape(row.name), status, _when(row.last_success_at), escape(error),
                      str(row.consecutive_failures), due)
    console.print(table)
