"""The `monitor` command line."""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from monitor.alerting.mail import MailError
from monitor.config import ConfigError, Settings, load_settings
from monitor.db import current_revision, head_revision, make_engine, upgrade_database
from monitor.imports import SPECS, CsvImportError, ImportResult, MappingError, import_csv, load_mapping
from monitor.logs import configure_logging
from monitor.pseudonyms import Pseudonymiser
from monitor.yamlfile import ConfigFileError

logger = logging.getLogger(__name__)
# soft_wrap: long messages stay on one line when piped or logged, instead of breaking at 80.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Welfare-crime risk monitoring of contracted care suppliers: import evidence, "
    "score suppliers, rank them and send the weekly digest to the follow-up team.",
)

USER_ERRORS = (ConfigError, ConfigFileError, CsvImportError, MappingError, MailError, LookupError)
F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Problems the user can fix end in one clear line and exit code 2, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except USER_ERRORS as exc:
            message = exc.args[0] if isinstance(exc, LookupError) and exc.args else str(exc)
            err_console.print(f"[bold red]Error:[/] {escape(message)}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


@dataclass
class State:
    settings: Settings
    db_option: str | None = None
    _engine: Engine | None = field(default=None, repr=False)

    def engine(self) -> Engine:
        """The database, created or upgraded on first use."""
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
            upgrade_database(self._engine)
        return self._engine

    def existing_engine(self) -> Engine:
        """The database as it is, for commands that only read: never created or migrated."""
        url = make_url(self.settings.database_url)
        shown = url.render_as_string(hide_password=True)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") and not Path(
            url.database
        ).exists():
            raise LookupError(f"no database at {shown}: import data and run `monitor score` first")
        engine = make_engine(self.settings.database_url)
        have, need = current_revision(engine), head_revision()
        if have != need:
            engine.dispose()
            raise LookupError(f"the database {shown} is at schema revision {have or 'none'}, this version "
                              f"needs {need}: run `monitor init` to upgrade it")
        return engine


class Language(StrEnum):
    sv = "sv"
    en = "en"


@app.callback()
@user_errors
def main(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", help="Database URL (MONITOR_DATABASE_URL).")] = None,
    rules_dir: Annotated[Path | None, typer.Option(help="Rules folder (MONITOR_RULES_DIR).")] = None,
    feeds_file: Annotated[Path | None, typer.Option(help="Feeds file (MONITOR_FEEDS_FILE).")] = None,
    templates_dir: Annotated[
        Path | None, typer.Option(help="Email templates folder (MONITOR_TEMPLATES_DIR).")
    ] = None,
    outbox_dir: Annotated[Path | None, typer.Option(help="Email outbox folder (MONITOR_OUTBOX_DIR).")] = None,
    lang: Annotated[
        Language | None, typer.Option("--lang", help="Language of output (MONITOR_LANGUAGE).")
    ] = None,
    log_format: Annotated[str | None, typer.Option(help="text or json (MONITOR_LOG_FORMAT).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress (INFO).")] = False,
) -> None:
    settings = load_settings(
        database_url=db,
        rules_dir=rules_dir,
        feeds_file=feeds_file,
        templates_dir=templates_dir,
        outbox_dir=outbox_dir,
        language=lang.value if lang else None,
        log_format=log_format,
        log_level="INFO" if verbose else None,
    )
    configure_logging(settings.log_level, settings.log_format)
    ctx.obj = State(settings=settings, db_option=db)


def _state(ctx: typer.Context) -> State:
    state = ctx.obj
    assert isinstance(state, State)
    return state


@app.command()
@user_errors
def init(ctx: typer.Context) -> None:
    """Create the database, or upgrade it to the newest schema without losing data."""
    state = _state(ctx)
    engine = make_engine(state.settings.database_url)
    changed = upgrade_database(engine)
    verb = "Upgraded" if changed else "Already up to date:"
    console.print(f"{verb} database {engine.url.render_as_string(hide_password=True)} "
                  f"(schema revision {current_revision(engine)})", highlight=False)


class Kind(StrEnum):
    suppliers = "suppliers"
    staff = "staff"
    visits = "visits"
    observations = "observations"
    client_events = "client-events"


@app.command("import")
@user_errors
def import_command(
    ctx: typer.Context,
    kind: Annotated[Kind, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="CSV file (UTF-8, ';' or ',' separated).")],
    mapping: Annotated[
        Path | None, typer.Option(help="YAML mapping of the file's column names and values to ours.")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Apply nothing if any row is rejected.")] = False,
    encoding: Annotated[str, typer.Option(help="File encoding, if not UTF-8.")] = "utf-8-sig",
) -> None:
    """Import a CSV export. Bad rows are listed and written to FILE.rejected.csv; valid rows are
    applied (unless --strict). Importing the same file again changes nothing.

    Exit code 0: all rows applied; 1: some rows rejected; 2: the file could not be imported."""
    state = _state(ctx)
    result = import_file(state, kind.value, file, mapping, strict, encoding)
    _print_import(result)
    if result.rows_rejected:
        raise typer.Exit(1)


def import_file(
    state: State, kind: str, file: Path, mapping: Path | None = None, strict: bool = False,
    encoding: str = "utf-8-sig",
) -> ImportResult:
    spec = SPECS[kind]
    pseudonymise = Pseudonymiser(state.settings.pseudonym_key_bytes())
    column_mapping = load_mapping(mapping, spec.all_columns) if mapping else None
    engine = state.engine()
    size = file.stat().st_size if file.is_file() else 0
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task(f"{kind} {file.name}", total=size)
        return import_csv(
            engine, spec, file, pseudonymise=pseudonymise, mapping=column_mapping, strict=strict,
            batch_rows=state.settings.import_batch_rows, encoding=encoding,
            on_progress=lambda done: progress.update(task, completed=done),
        )


def _print_import(result: ImportResult) -> None:
    out = console if not result.rows_rejected else err_console
    if not result.applied:
        headline = (f"[bold red]Nothing applied[/] (--strict): {result.rows_rejected} of "
                    f"{result.rows_read} rows rejected")
    else:
        headline = (f"{result.rows_accepted} of {result.rows_read} rows applied "
                    f"({result.rows_changed} new or changed)")
        if result.rows_rejected:
            headline += f", [bold red]{result.rows_rejected} rejected[/]"
    out.print(f"{result.kind}: {escape(result.path.name)}: {headline}", highlight=False)
    for rejected in result.rejected:
        out.print(f"  {result.path}:{rejected.line}: {rejected.describe()}", highlight=False, markup=False)
    if result.rows_rejected > len(result.rejected):
        out.print(f"  ... and {result.rows_rejected - len(result.rejected)} more", highlight=False)
    if result.rejected_file:
        out.print(f"Rejected rows with reasons: {result.rejected_file}", highlight=False, markup=False)


@app.command()
@user_errors
def score(ctx: typer.Context) -> None:
    """Run the rules over the evidence, store findings and rank the suppliers."""
    from monitor.findings.rules import Rule, load_rules
    from monitor.ranking.score import load_scoring_config
    from monitor.scoring import run_scoring

    state = _state(ctx)
    rules_dir = state.settings.resolved("rules_dir")
    rules, config = load_rules(rules_dir), load_scoring_config(rules_dir)
    enabled = [r for r in rules if r.enabled]
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} rules"),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task("Scoring", total=len(enabled))

        def on_rule(rule: Rule) -> None:
            progress.update(task, description=f"Rule {rule.id}", completed=enabled.index(rule))

        outcome = run_scoring(state.engine(), rules, config, state.settings.language, on_rule,
                              media_rules=_media_rules(rules_dir))
    flagged = sum(1 for r in outcome.ranking if r.score > 0)
    unusual = sum(1 for r in outcome.ranking if r.components.get("outlier", 0) > 0)
    console.print(
        f"Scoring run {outcome.run_id}: {outcome.evaluation.findings_total} findings "
        f"({outcome.evaluation.findings_new} new) from {sum(r.enabled for r in rules)} rules; "
        f"{len(outcome.outliers)} suppliers compared with their peers, {unusual} unlike them; "
        f"{len(outcome.media)} named in the news with risk; "
        f"{len(outcome.ranking)} suppliers ranked, {flagged} with risk > 0 "
        f"(recency as of {outcome.as_of.astimezone().strftime('%Y-%m-%d %H:%M')}).",
        highlight=False,
    )


def _media_rules(rules_dir: Path) -> Any:
    """rules/media.yaml if there is one: without it articles are stored but not matched."""
    from monitor.media.keywords import load_media_rules

    return load_media_rules(rules_dir) if (rules_dir / "media.yaml").exists() else None


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
@user_errors
def rank(
    ctx: typer.Context,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    top: Annotated[int | None, typer.Option(min=1, help="Only the N highest.")] = None,
    area: Annotated[str | None, typer.Option(help="Only suppliers in this contract area.")] = None,
    plot: Annotated[
        Path | None, typer.Option(help="Also draw the listed suppliers' risk over the scoring runs to this PNG.")
    ] = None,
) -> None:
    """Print the suppliers ranked by risk, highest first, with the reasons."""
    from monitor.ranking.plot import plot_history
    from monitor.ranking.report import latest_ranking

    state = _state(ctx)
    with state.engine().connect() as conn:
        ranking = latest_ranking(conn, top=top if top or not plot else None, area=area,
                                 language=state.settings.language)
        if ranking is None:
            raise LookupError("no scoring run yet: run `monitor score` first")
        if plot is not None:
            # A chart of every supplier is unreadable: without --top it shows the ten highest.
            shown = ranking if top else replace(ranking, suppliers=ranking.suppliers[:10])
            runs = plot_history(conn, shown, plot, state.settings.language)
            err_console.print(f"Risk over {runs} scoring runs drawn to {plot}", highlight=False, markup=False)
    rows = [s.as_json() for s in ranking.suppliers]
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif format is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["rank", "org_number", "name", "contract_area", "score", "change", "trend", "reasons"])
        for r in rows:
            reasons = " | ".join(f"{x['title']}: {x['detail']}" for x in r["reasons"])
            writer.writerow([r["rank"], r["org_number"], r["name"], r["contract_area"], r["score"],
                             "" if r["change"] is None else r["change"], r["trend"], reasons])
        sys.stdout.write(buffer.getvalue())
    else:
        table = Table(title=f"Risk ranking (scoring run {ranking.run_id}, "
                      f"{ranking.scored_at.astimezone().strftime('%Y-%m-%d %H:%M')})")
        for name, justify in (("#", "right"), ("Org.nr", "left"), ("Supplier", "left"),
                              ("Area", "left"), ("Risk", "right"), ("Reasons", "left")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for r in rows:
            reasons = "\n".join(f"{x['title']}: {x['detail']}" for x in r["reasons"])
            # Names come from CSV files: shown as text, never as Rich markup.
            table.add_row(str(r["rank"]), r["org_number"], escape(r["name"]), escape(r["contract_area"]),
                          f"{r['score']:.0f}", escape(reasons))
        console.print(table)


@app.command()
@user_errors
def explain(
    ctx: typer.Context,
    org_number: Annotated[str, typer.Argument(help="The supplier's org number, with or without hyphen.")],
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json.")] = OutputFormat.table,
) -> None:
    """Show how a supplier's risk score was made in the latest scoring run: the points of each rule,
    finding by finding with its recency weight, and of the comparison with peers, feature by feature."""
    from monitor.ranking.explain import explain_supplier, print_explanation
    from monitor.ranking.score import load_scoring_config

    state = _state(ctx)
    config = load_scoring_config(state.settings.resolved("rules_dir"))
    with state.engine().connect() as conn:
        result = explain_supplier(conn, org_number, config, state.settings.language)
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_explanation(console, result)


@app.command()
@user_errors
def digest(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(help="Send again even if this week's digest went out.")] = False,
) -> None:
    """Send the weekly digest to the follow-up team (or write it to the outbox if no SMTP)."""
    from monitor.alerting.digest import send_digest
    from monitor.ranking.score import load_scoring_config

    state = _state(ctx)
    config = load_scoring_config(state.settings.resolved("rules_dir"))
    outcome = send_digest(state.engine(), state.settings, config, datetime.now(UTC), force=force)
    if outcome.location is None:
        console.print(f"Digest for {outcome.period} was already delivered; --force sends it again.")
    else:
        console.print(f"Digest for {outcome.period} (suppliers listed: {outcome.suppliers}) delivered to "
                      f"{outcome.location}", highlight=False)


@app.command("config")
@user_errors
def show_config(ctx: typer.Context) -> None:
    """Show the settings in force, secrets redacted."""
    for name, value in _state(ctx).settings.redacted().items():
        console.print(f"{name}={value}", highlight=False, markup=False)


@app.command()
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

    state = _state(ctx)
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
    console.print(f"Generating the demo municipality in {directory} (seed {seed}) ...", highlight=False)
    dataset = generate_municipality(directory / "data", seed=seed, weeks=weeks, scale=scale, schemes=chosen)
    for kind, path in dataset.files.items():
        _print_import(import_file(demo_state, kind, path))
    # Local news about some suppliers, served on loopback and polled like any feed.
    news_dir = directory / "news"
    write_demo_news(news_dir, dataset)
    with serve_demo_news(news_dir) as feeds_file:
        console.print(str(poll_demo_news(demo_state.engine(), feeds_file)), highlight=False)
    ctx.obj = demo_state
    score(ctx)
    rank(ctx, format=OutputFormat.table, top=10, area=None, plot=None)
    digest(ctx, force=True)
    console.print(
        f"\nDemo data:  {directory / 'data'} (news feeds: {news_dir})\nDatabase:   {db_url}\n"
        f"Outbox:     {settings.outbox_dir}\n"
        f"Explore:    monitor --db {db_url} rank --format json", highlight=False,
    )


# Sub-commands live in their own modules; they import the helpers above.
from monitor.cli_media import feeds_app  # noqa: E402
from monitor.cli_news import media_app  # noqa: E402
from monitor.cli_rules import rules_app  # noqa: E402

app.add_typer(rules_app, name="rules")
app.add_typer(feeds_app, name="feeds")
app.add_typer(media_app, name="media")

if __name__ == "__main__":
    app()
