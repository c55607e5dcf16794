"""Tables on the console, for people at a terminal and for pipes alike."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def print_table(console: Console, table: Table) -> None:
    """A table fitted to the terminal, or, when the output is a pipe or a file, as wide as its
    values: a value cut at 80 columns ("Hemtjänst B…") cannot be grepped or read back."""
    out = console.file
    if console.is_terminal and out.isatty():
        console.print(table)
        return
    # A title centred over a page-wide table would start with hundreds of spaces.
    table.title_justify = "left"
    wide = Console(file=out, width=1_000_000, color_system=None)
    Console(file=out, width=wide.measure(table).maximum, color_system=None).print(table)
