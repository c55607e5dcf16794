"""`monitor config`: the settings in force."""

from __future__ import annotations

from enum import StrEnum

import typer

from monitor.cli.common import console, state_of, user_errors


class Language(StrEnum):
    sv = "sv"
    en = "en"


@user_errors
def show_config(ctx: typer.Context) -> None:
    """Show the settings in force, secrets redacted."""
    for name, value in state_of(ctx).settings.redacted().items():
        console.print(f"{name}={value}", highlight=False, markup=False)
