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
from sqlalchemy.engine import make_url

from monitor.alerting.mail import MailError
from monitor.config import ConfigError, Settings
from monitor.db import current_revision, head_revision, make_engine, upgrade_database
from monitor.imports import CsvImportError, MappingError
from monitor.yamlfile import ConfigFileError

# soft_wrap: long messages stay on one line when piped or logged, instead of breaking at 80.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

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


@contextmanager
def progress_bar(*columns: str | ProgressColumn, transient: bool = True) -> Iterator[Progress]:
    """A progress bar on stderr that stays silent when stderr is not a terminal (pipes, logs)."""
    with Progress(*columns, console=err_console, transient=transient, disable=not err_console.is_terminal) as progress:
        yield progress


def print_table(table: Table) -> None:
    """A table fitted to the terminal, or, when stdout is a pipe or a file, as wide as its
    values: a value cut at 80 columns ("Hemtjänst B…") cannot be grepped or read back."""
    stdout = console.file
    if console.is_terminal and stdout.isatty():
        console.print(table)
        return
    wide = Console(file=stdout, width=1_000_000, color_system=None)
    Console(file=stdout, width=wide.measure(table).maximum, color_system=None).print(table)
