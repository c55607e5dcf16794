"""The `monitor` command: global options, then one command or command group per module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.alerts import alerts_app
from monitor.cli.audit import audit
from monitor.cli.common import State, user_errors
from monitor.cli.database import init
from monitor.cli.demo import demo
from monitor.cli.digest import digest
from monitor.cli.evidence import evidence
from monitor.cli.feeds import feeds_app
from monitor.cli.history import imports_history
from monitor.cli.imports import import_command
from monitor.cli.jobs import jobs_app
from monitor.cli.media import media_app
from monitor.cli.ranking import explain, rank
from monitor.cli.rekey import rekey
from monitor.cli.rules import rules_app
from monitor.cli.score import score
from monitor.cli.service import run, status
from monitor.cli.settings import Language, show_config
from monitor.cli.users import users_app
from monitor.cli.web import web
from monitor.config import load_settings
from monitor.logs import configure_logging

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Welfare-crime risk monitoring of contracted care suppliers: import evidence, "
    "score suppliers, rank them and send the weekly digest to the follow-up team.",
)


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
    loaded = load_settings(
        database_url=db,
        rules_dir=rules_dir,
        feeds_file=feeds_file,
        templates_dir=templates_dir,
        outbox_dir=outbox_dir,
        language=lang.value if lang else None,
        log_format=log_format,
        log_level="INFO" if verbose else None,
    )
    configure_logging(loaded.log_level, loaded.log_format)
    ctx.obj = State(settings=loaded, db_option=db)


app.command()(init)
app.command("import")(import_command)
app.command("imports")(imports_history)
app.command()(score)
app.command()(rank)
app.command()(explain)
app.command()(digest)
app.command("config")(show_config)
app.command()(rekey)
app.command()(demo)
app.command()(run)
app.command()(status)
app.command()(audit)
app.command()(evidence)
app.command()(web)
app.add_typer(rules_app, name="rules")
app.add_typer(feeds_app, name="feeds")
app.add_typer(media_app, name="media")
app.add_typer(jobs_app, name="jobs")
app.add_typer(alerts_app, name="alerts")
app.add_typer(users_app, name="users")
