"""`monitor import KIND FILE`: CSV exports into the evidence store."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeRemainingColumn

from monitor.cli.common import State, console, err_console, progress_bar, state_of, user_errors
from monitor.imports import SPECS, ImportResult, import_csv, load_mapping
from monitor.imports.bounds import TimeBounds
from monitor.imports.problems import REJECTED_SUFFIX
from monitor.pseudonyms import Pseudonymiser
from monitor.texts import Texts

TEXTS = Texts(
    sv={
        "progress": "Läser in {file} ({kind})",
        "nothing_applied": "[bold red]Inget lästes in[/] (--strict): {rejected} av {read:rad|rader} avvisades",
        "applied": "{accepted} av {read:rad|rader} lästes in ({changed:ny eller ändrad|nya eller ändrade})",
        "also_rejected": ", [bold red]{rejected} avvisades[/]",
        "more": "  ... och {more} till",
        "rejected_file": "Avvisade rader med skäl: {file} (innehåller personuppgifter från filen och kan bara "
                         "läsas av dig: rätta raderna och läs in filen, radera den sedan)",
        "all_applied": "Alla rader i {file} är inlästa: radera filen, den innehåller personuppgifter",
    },
    en={
        "progress": "Importing {file} ({kind})",
        "nothing_applied": "[bold red]Nothing applied[/] (--strict): {rejected} of {read:row|rows} rejected",
        "applied": "{accepted} of {read:row|rows} applied ({changed} new or changed)",
        "also_rejected": ", [bold red]{rejected} rejected[/]",
        "more": "  ... and {more} more",
        "rejected_file": "Rejected rows with reasons: {file} (holds personal data from the file, readable only "
                         "by you: fix the rows and import it, then delete it)",
        "all_applied": "Every row of {file} is applied: delete it, it holds personal data",
    },
)


class Kind(StrEnum):
    suppliers = "suppliers"
    staff = "staff"
    visits = "visits"
    observations = "observations"
    client_events = "client-events"
    registry = "registry"
    permits = "permits"
    invoices = "invoices"


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
    applied (unless --strict). Importing the same file again changes nothing; fix the rows in
    FILE.rejected.csv and import that file to apply them.

    Exit code 0: all rows applied; 1: some rows rejected, the others applied; 2: nothing
    imported (the file could not be read, or --strict and a row was rejected)."""
    state = state_of(ctx)
    result = import_file(state, kind.value, file, mapping, strict, encoding)
    print_import(result, state.settings.language)
    if not result.applied:
        raise typer.Exit(2)
    if result.rows_rejected:
        raise typer.Exit(1)


def import_file(
    state: State, kind: str, file: Path, mapping: Path | None = None, strict: bool = False,
    encoding: str = "utf-8-sig", now: datetime | None = None,
) -> ImportResult:
    """`now`: the import's clock, from which the latest accepted time is counted."""
    spec = SPECS[kind]
    # Only kinds with client ids need the key: a supplier register can be loaded without it.
    pseudonymise = Pseudonymiser(state.settings.pseudonym_key_bytes()) if spec.pseudonymises else None
    column_mapping = load_mapping(mapping, spec.all_columns) if mapping else None
    engine = state.engine()
    size = file.stat().st_size if file.is_file() else 0
    with progress_bar(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                      TimeRemainingColumn()) as progress:
        description = TEXTS(state.settings.language, "progress", file=escape(file.name), kind=kind)
        task = progress.add_task(description, total=size)
        return import_csv(
            engine, spec, file, pseudonymise=pseudonymise, mapping=column_mapping, strict=strict,
            batch_rows=state.settings.import_batch_rows, encoding=encoding,
            bounds=TimeBounds.from_settings(state.settings, now),
            index_rebuild_rows=state.settings.import_index_rebuild_rows,
            on_progress=lambda done: progress.update(task, completed=done),
        )


def print_import(result: ImportResult, language: str) -> None:
    t = TEXTS.for_language(language)
    out = console if not result.rows_rejected else err_console
    if not result.applied:
        headline = t("nothing_applied", rejected=result.rows_rejected, read=result.rows_read)
    else:
        headline = t("applied", accepted=result.rows_accepted, read=result.rows_read, changed=result.rows_changed)
        if result.rows_rejected:
            headline += t("also_rejected", rejected=result.rows_rejected)
    # The kind as it is written on the command line (`monitor import visits ...`).
    out.print(f"{result.kind}: {escape(result.path.name)}: {headline}", highlight=False)
    for rejected in result.rejected:
        # The reasons stay English, like every error line: they are also written to FILE.rejected.csv.
        out.print(f"  {result.path}:{rejected.line}: {rejected.describe()}", highlight=False, markup=False)
    if result.rows_rejected > len(result.rejected):
        out.print(t("more", more=result.rows_rejected - len(result.rejected)), highlight=False, markup=False)
    if result.rejected_file:
        out.print(t("rejected_file", file=result.rejected_file), highlight=False, markup=False)
    elif result.path.name.endswith(REJECTED_SUFFIX) and result.applied:
        out.print(t("all_applied", file=result.path), highlight=False, markup=False)
