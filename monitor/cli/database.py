"""`monitor init`: create or upgrade the database."""

from __future__ import annotations

import typer

from monitor.cli.common import console, state_of, translator, user_errors
from monitor.db import check_connection, current_revision, make_engine, upgrade_database
from monitor.texts import Texts

TEXTS = Texts(
    sv={
        "upgraded": "Databasen {url} är uppgraderad (schemaversion {revision})",
        "current": "Databasen {url} är redan aktuell (schemaversion {revision})",
    },
    en={
        "upgraded": "Upgraded database {url} (schema revision {revision})",
        "current": "Already up to date: database {url} (schema revision {revision})",
    },
)


@user_errors
def init(ctx: typer.Context) -> None:
    """Create the database, or upgrade it to the newest schema without losing data."""
    engine = make_engine(state_of(ctx).settings.database_url)
    check_connection(engine)
    changed = upgrade_database(engine)
    t = translator(ctx, TEXTS)
    console.print(t("upgraded" if changed else "current", url=engine.url.render_as_string(hide_password=True),
                    revision=current_revision(engine)), highlight=False, markup=False)
