"""`monitor demo`: a synthetic municipality through the whole pipeline."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.common import OutputFormat, State, console, state_of, translator, user_errors
from monitor.cli.digest import digest
from monitor.cli.imports import import_file, print_import
from monitor.cli.ranking import rank
from monitor.cli.score import media_rules, score
from monitor.config import load_settings
from monitor.texts import Texts, Translator
from monitor.timestamps import day_start

if TYPE_CHECKING:
    from monitor.demo.news import DemoNewsSummary

TEXTS = Texts(
    sv={
        # The seed as typed, not as a number with a thousands space ("2026", not "2 026").
        "generating": "Skapar demokommunen i {directory} (frö {seed}) ...",
        "news": "Hämtade {feeds:nyhetsflöde|nyhetsflöden}: {new:ny artikel|nya artiklar}"
                "[if: , {merged} fanns även i ett annat flöde]; {articles:artikel|artiklar} i databasen",
        "news_matches": ", {matches:omnämnande|omnämnanden} av leverantörer",
        "news_failed": "; {failed:flöde|flöden} misslyckades: {errors}",
        "where": "\nDemodata:   {data} (nyhetsflöden: {news})\nDatabas:    {db}\nUtkorg:     {outbox}\n"
                 "Utforska:   export MONITOR_DATABASE_URL={db}\n"
                 "            monitor rank    monitor explain ORGANISATIONSNUMMER    monitor rank --format json",
    },
    en={
        "generating": "Generating the demo municipality in {directory} (seed {seed}) ...",
        "news": "Polled {feeds:news feed|news feeds}: {new:new article|new articles}"
                "[if: , {merged} also in another feed]; {articles:article|articles} stored",
        "news_matches": ", {matches:mention|mentions} of a supplier",
        "news_failed": "; {failed:feed|feeds} failed: {errors}",
        "where": "\nDemo data:  {data} (news feeds: {news})\nDatabase:   {db}\nOutbox:     {outbox}\n"
                 "Explore:    export MONITOR_DATABASE_URL={db}\n"
                 "            monitor rank    monitor explain ORG_NUMBER    monitor rank --format json",
    },
)


@user_errors
def demo(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo data and outputs go.")] = Path(
        "monitor-demo"
    ),
    seed: Annotated[int, typer.Option(help="Random seed of the generated municipality.")] = 2026,
    weeks: Annotated[int, typer.Option(min=1, max=12, help="Weeks of visits.")] = 4,
    scale: Annotated[float, typer.Option(min=0.05, max=10, help="Size factor for staff and clients.")] = 1.0,
    schemes: Annotated[
        str | None, typer.Option(help="Plant only these schemes (comma-separated); the others run honestly.")
    ] = None,
) -> None:
    """Generate a synthetic municipality with planted schemes and run import -> score -> rank -> digest.

    Uses its own SQLite database and outbox inside --dir (unless --db is given)."""
    from monitor.demo import SCHEMES, generate_municipality
    from monitor.demo.news import poll_demo_news, serve_demo_news, write_demo_news

    state = state_of(ctx)
    t = translator(ctx, TEXTS)
    chosen = None if schemes is None else [s.strip() for s in schemes.split(",") if s.strip()]
    unknown = sorted(set(chosen or ()) - set(SCHEMES))
    if unknown:
        raise LookupError(f"unknown scheme(s) {', '.join(unknown)}; schemes: {', '.join(SCHEMES)}")
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / "demo.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(32) + "\n", encoding="utf-8")
        key_file.chmod(0o600)
    db_url = state.db_option or f"sqlite:///{directory / 'monitor.db'}"
    settings = state.settings.model_copy(
        update={
            "database_url": db_url,
            "outbox_dir": directory / "outbox",
            "pseudonym_key": load_settings({"MONITOR_PSEUDONYM_KEY_FILE": str(key_file)}).pseudonym_key,
        }
    )
    demo_state = State(settings=settings, db_option=db_url)
    console.print(t("generating", directory=directory, seed=str(seed)), highlight=False, markup=False)
    dataset = generate_municipality(directory / "data", seed=seed, weeks=weeks, scale=scale, schemes=chosen)
    # The demo's exports are taken a week after its last day (late registrations are typed up to
    # four days later), whatever today's date, so that every generated time is inside the bounds.
    exported_at = day_start(dataset.start + timedelta(weeks=dataset.weeks + 1))
    for kind, path in dataset.files.items():
        print_import(import_file(demo_state, kind, path, now=exported_at), settings.language)
    # Local news about some suppliers, served on loopback and polled like any feed.
    news_dir = directory / "news"
    write_demo_news(news_dir, dataset)
    with serve_demo_news(news_dir) as feeds_file:
        news = poll_demo_news(demo_state.engine(), feeds_file, media_rules=media_rules(settings.resolved("rules_dir")))
        console.print(describe_news(news, t), highlight=False, markup=False)
    ctx.obj = demo_state
    score(ctx)
    rank(ctx, format=OutputFormat.table, top=10, area=None, plot=None)
    digest(ctx, force=True)
    console.print(t("where", data=directory / "data", news=news_dir, db=db_url, outbox=settings.outbox_dir),
                  highlight=False, markup=False)


def describe_news(news: DemoNewsSummary, t: Translator) -> str:
    text = t("news", feeds=news.feeds, new=news.new_articles, merged=news.merged, articles=news.articles)
    if news.matches is not None:
        text += t("news_matches", matches=news.matches)
    if news.feeds_failed:
        # The feeds' errors stay English, like every error line.
        text += t("news_failed", failed=news.feeds_failed, errors="; ".join(news.errors))
    return text
