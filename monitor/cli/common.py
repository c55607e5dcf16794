"""What every command module shares: the state built by the global options, the consoles, and
the wrapper that turns problems a user can fix into one clear line and exit code 2."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, ProgressColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from monitor import output
from monitor.alerting.mail import MailError
from monitor.alerts.states import AlertError
from monitor.config import ConfigError, Settings
from monitor.db import (
    DatabaseUnavailable,
    check_connection,
    current_revision,
    describe_operational_error,
    head_revision,
    make_engine,
    shown_url,
    upgrade_database,
)
from monitor.imports import CsvImportError, MappingError
from monitor.jobs.leases import LeaseBusy
from monitor.keycheck import PseudonymKeyError
from monitor.texts import Texts, Translator
from monitor.yamlfile import ConfigFileError

# soft_wrap: long messages stay on one line when piped or logged, instead of breaking at 80.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

USER_ERRORS = (ConfigError, ConfigFileError, CsvImportError, MappingError, MailError, LookupError,
               DatabaseUnavailable, LeaseBusy, PseudonymKeyError)
F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Problems the user can fix end in one clear line and exit code 2, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AlertError as exc:
            message = exc.describe(_language(args, kwargs))
        except USER_ERRORS as exc:
            message = exc.args[0] if isinstance(exc, LookupError) and exc.args else str(exc)
        except OperationalError as exc:
            # A locked or vanished database mid-command is the environment, not a bug to trace.
            message = describe_operational_error(exc, _database_url(args, kwargs))
        label = "Fel" if _language(args, kwargs) == "sv" else "Error"
        err_console.print(f"[bold red]{label}:[/] {escape(message)}", highlight=False)
        raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _state(args: tuple[Any, ...], kwargs: dict[str, Any]) -> State | None:
    """The command's State, from its typer.Context among the arguments."""
    for value in (*args, *kwargs.values()):
        if isinstance(getattr(value, "obj", None), State):
            return value.obj  # type: ignore[no-any-return]
    return None


def _language(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The command's language (--lang, MONITOR_LANGUAGE)."""
    state = _state(args, kwargs)
    return str(state.settings.language) if state is not None else "sv"


def _database_url(args: tuple[Any, ...], kwargs: dict[str, Any]) -> URL:
    """The URL of the command's database, to name it in an error."""
    state = _state(args, kwargs)
    return make_url(state.settings.database_url if state is not None else "sqlite://")


@dataclass
class State:
    settings: Settings
    db_option: str | None = None
    _engine: Engine | None = field(default=None, repr=False)

    def engine(self, create: bool = True) -> Engine:
        """The database, upgraded on first use; created too unless `create` is False (commands
        that only read must not leave an empty database behind a mistyped path)."""
        if self._engine is None:
            engine = make_engine(self.settings.database_url)
            if not create:
                self._refuse_missing_sqlite_file()
            check_connection(engine)
            upgrade_database(engine)
            self._engine = engine
        return self._engine

    def _refuse_missing_sqlite_file(self) -> None:
        url = make_url(self.settings.database_url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return
        if not Path(url.database).exists():
            hint = ""
            demo = Path("monitor-demo") / "monitor.db"
            if demo.exists() and Path(url.database).resolve() != demo.resolve():
                hint = f" (the demo's database is {demo}: monitor --db sqlite:///{demo} ...)"
            raise LookupError(f"no database at {shown_url(url)}: import data and run `monitor score` first{hint}")

    def existing_engine(self) -> Engine:
        """The database as it is, for commands that only read: never created or migrated."""
        url = make_url(self.settings.database_url)
        shown = shown_url(url)
        self._refuse_missing_sqlite_file()
        engine = make_engine(self.settings.database_url)
        check_connection(engine)
        have, need = current_revision(engine), head_revision()
        if have != need:
            engine.dispose()
            raise LookupError(f"the database {shown} is at schema revision {have or 'none'}, this version "
                              f"needs {need}: run `monitor init` to upgrade it")
        return engine


def translator(ctx: typer.Context, texts: Texts) -> Translator:
    """The command's texts in the language of this run (--lang, MONITOR_LANGUAGE; Swedish by default)."""
    return texts.for_language(state_of(ctx).settings.language)


def state_of(ctx: typer.Context) -> State:
    state = ctx.obj
    assert isinstance(state, State)
    return state


# Days on the command line (--since, --until) are written as ISO dates.
DATE_FORMATS = ["%Y-%m-%d"]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ListFormat(StrEnum):
    """Listings for people (table) or for programs (json)."""

    table = "table"
    json = "json"


@contextmanager
def progress_bar(*columns: str | ProgressColumn, transient: bool = True) -> Iterator[Progress]:
    """A progress bar on stderr that stays silent when stderr is not a terminal (pipes, logs)."""
    with Progress(*columns, console=err_console, transient=transient, disable=not err_console.is_terminal) as progress:
        yield progress


def print_table(table: Table) -> None:
    """A table on stdout, whole when piped (see monitor.output)."""
    output.print_table(console, table)
