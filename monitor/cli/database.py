"""`monitor init`: create or upgrade the database."""

from __future__ import annotations

import typer

from monitor.cli.common import console, state_of, user_errors
from monitor.db import check_connection, current_revision, make_engine, upgrade_database


@user_errors
def init(ctx: typer.Context) -> None:
    """Create the database, or upgrade it to the newest schema without losing data."""
    engine = make_engine(state_of(ctx).settings.database_url)
    check_connection(engine)
    changed = upgrade_database(engine)
    verb = "Upgraded" if changed else "Already up to date:"
    console.print(f"{verb} database {engine.url.render_as_string(hide_password=True)} "
                  f"(schema revision {current_revision(engine)})", highlight=False)
