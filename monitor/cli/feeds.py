"""`monitor feeds ...`: check feeds.yaml, poll the feeds, show their health."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel import Session

from monitor.cli.common import (
    ListFormat,
    console,
    err_console,
    print_table,
    progress_bar,
    state_of,
    translator,
    user_errors,
)
from monitor.texts import Texts, Translator
from monitor.timestamps import local_iso, local_text

TEXTS = Texts(
    sv={
        "check_ok": "{feeds:flöde|flöden} OK i {path} ({enabled:påslaget|påslagna})",
        "check_search": " och ett sökflöde per leverantör",
        "progress": "Hämtar flöden",
        "none_enabled": "Inget flöde hämtat: alla flöden i {path} är avstängda ({listed:listat|listade}, de som följer "
                        "med är exempel). Kontrollera ett flödes adress och sätt sedan `enabled: true` på det.",
        "none_due": "Inget flöde står på tur; `monitor feeds poll --all` hämtar alla påslagna flöden nu "
                    "(`monitor feeds status` visar nästa kontroller).",
        "failed": "[red]misslyckades[/] {name}: {error}",
        "polled": "Hämtade {polled:flöde|flöden}: {ok} OK[if:  (varav {not_modified:oförändrat|oförändrade})]"
                  "[if: , {failed} misslyckades]. Artiklar: [och: {new:ny|nya} ;; {updated:uppdaterad|uppdaterade}"
                  " ;; {merged:sedd även i andra flöden|sedda även i andra flöden}].",
        "matched": "Matchade {articles:artikel|artiklar} mot leverantörerna: "
                   "{mentions:omnämnande|omnämnanden}, {risk} med riskord (`monitor media list`).",
        "feed": "Flöde", "state": "Tillstånd", "last_success": "Senast lyckad", "last_error": "Senaste fel",
        "failures": "Fel i rad", "next_check": "Nästa kontroll", "now": "nu",
        "healthy": "fungerar", "failing": "har fel", "unhealthy": "ur funktion", "refused": "nekat",
        "gone": "borta", "disabled": "avstängt", "disabled example": "avstängt exempel",
        "not listed": "inte i {path}",
        "examples": "{examples:avstängt exempelflöde|avstängda exempelflöden} i {path}: kontrollera varje "
                    "adress och sätt sedan `enabled: true`.",
    },
    en={
        "check_ok": "{feeds:feed|feeds} OK in {path} ({enabled} enabled)",
        "check_search": " and a search feed per supplier",
        "progress": "Polling feeds",
        "none_enabled": "No feed polled: every feed in {path} is disabled ({listed} listed, the shipped ones "
                        "are examples). Check a feed's address, then set `enabled: true` on it.",
        "none_due": "No feed is due; `monitor feeds poll --all` polls every enabled feed now "
                    "(`monitor feeds status` shows the next checks).",
        "failed": "[red]failed[/] {name}: {error}",
        "polled": "Polled {polled:feed|feeds}: {ok} OK[if:  ({not_modified} not modified)]"
                  "[if: , {failed} failed]. Articles: [and: {new} new ;; {updated} updated"
                  " ;; {merged} also seen elsewhere].",
        "matched": "Matched {articles:article|articles} to the suppliers: "
                   "{mentions:mention|mentions}, {risk} with risk words (`monitor media list`).",
        "feed": "Feed", "state": "State", "last_success": "Last success", "last_error": "Last error",
        "failures": "Failures", "next_check": "Next check", "now": "now",
        "healthy": "healthy", "failing": "failing", "unhealthy": "unhealthy", "refused": "refused",
        "gone": "gone", "disabled": "disabled", "disabled example": "disabled example",
        "not listed": "not in {path}",
        "examples": "{examples:disabled example feed|disabled example feeds} in {path}: check each address, "
                    "then set `enabled: true`.",
    },
)

feeds_app = typer.Typer(no_args_is_help=True, help="Check, poll and show the media feeds in feeds.yaml.")


@feeds_app.command("check")
@user_errors
def feeds_check(ctx: typer.Context) -> None:
    """Validate feeds.yaml and the feeds' addresses; exit code 2 with file:line on an error.

    A feed at a loopback, private or link-local address (as written, or what its host resolves
    to now) is refused unless it says `allow_private_network: true`."""
    from monitor.media.feeds import load_feeds, refused_feeds

    settings = state_of(ctx).settings
    t = translator(ctx, TEXTS)
    path = settings.resolved("feeds_file")
    feeds = load_feeds(path)
    refused = refused_feeds(path, feeds, settings.feeds_allow_private_networks)
    for problem in refused:
        # An error line, in English like those of `user_errors`.
        err_console.print(f"[bold red]Error:[/] {escape(problem)}", highlight=False)
    if refused:
        raise typer.Exit(2)
    search = t("check_search") if feeds.supplier_search else ""
    console.print(t("check_ok", feeds=len(feeds.feeds), path=path, enabled=sum(f.enabled for f in feeds.feeds))
                  + search, highlight=False, markup=False)


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
    t = translator(ctx, TEXTS)
    path = state.settings.resolved("feeds_file")
    feeds = load_feeds(path)
    with progress_bar(TextColumn(t("progress")), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as progress:
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
            console.print(t("none_enabled", path=path, listed=len(feeds.feeds)), highlight=False, markup=False)
        else:
            console.print(t("none_due"), highlight=False, markup=False)
        return
    for outcome in summary.outcomes:
        if not outcome.ok:
            # The feed's error stays as it came, like every error line.
            console.print(t("failed", name=escape(outcome.name), error=escape(outcome.error or "")), highlight=False)
    console.print(
        t("polled", polled=len(summary.outcomes), ok=summary.ok,
          not_modified=sum(o.not_modified for o in summary.outcomes), failed=summary.failed,
          new=summary.total("new"), updated=summary.total("updated"), merged=summary.total("merged")),
        highlight=False, markup=False,
    )
    if summary.matched is not None:
        console.print(t("matched", articles=summary.matched.articles, mentions=summary.matched.matches,
                        risk=summary.matched.with_risk), highlight=False, markup=False)
    if summary.failed:
        raise typer.Exit(1)


def _when(value: datetime | None) -> str:
    return local_text(value) if value else "-"


def _state_name(state: str, t: Translator, path: object) -> str:
    """The state in the run's language (every state in STATE_STYLE has a text)."""
    return t(state, path=path) if state in STATE_STYLE else state


STATE_STYLE = {"healthy": "green", "failing": "yellow", "unhealthy": "red", "refused": "red", "gone": "red",
               "disabled": "dim", "disabled example": "dim", "not listed": "dim"}


@feeds_app.command("status")
@user_errors
def feeds_status(
    ctx: typer.Context,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
) -> None:
    """Each feed's health: last success, last error, failures in a row and next check, and why
    a feed is refused or disabled. Lists feeds.yaml as it is now; changes nothing."""
    from monitor.media.feeds import load_feeds
    from monitor.media.status import feed_statuses

    state = state_of(ctx)
    t = translator(ctx, TEXTS)
    path = state.settings.resolved("feeds_file")
    feeds = load_feeds(path)
    with Session(state.engine(create=False)) as session:
        statuses = feed_statuses(session, feeds, state.settings.feeds_allow_private_networks)
    if format is ListFormat.json:
        # For programs: English keys and states whatever the language.
        rows = [{k: local_iso(v) if isinstance(v, datetime) else v
                 for k, v in asdict(s).items()} for s in statuses]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table()
    for column in ("feed", "state", "last_success", "last_error", "failures", "next_check"):
        table.add_column(t(column))
    for s in statuses:
        shown = _state_name(s.state, t, path)
        # The detail and the last error are the feed's own messages, in English like every error line.
        state_text = f"[{STATE_STYLE.get(s.state, 'default')}]{escape(shown)}[/]"
        if s.detail:
            state_text += f": {escape(s.detail)}"
        error = f"{_when(s.last_error_at)} {s.last_error}" if s.last_error else "-"
        due = t("now") if s.due_now else _when(s.next_check_at)
        table.add_row(escape(s.name), state_text, _when(s.last_success_at), escape(error), str(s.failures), due)
    print_table(table)
    examples = sum(s.state == "disabled example" for s in statuses)
    if examples:
        console.print(t("examples", examples=examples, path=path), highlight=False, markup=False)
