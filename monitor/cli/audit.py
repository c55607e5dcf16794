"""`monitor audit`: the append-only log of who changed, noted or looked at what, and when."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import DATE_FORMATS, console, print_table, state_of, translator, user_errors
from monitor.texts import Texts
from monitor.timestamps import STOCKHOLM, local_text

TEXTS = Texts(
    sv={"title": "Granskningslogg ({n:rad|rader})", "none": "Inget i granskningsloggen{since}.",
        "since": " sedan {day}", "col_at": "När", "col_actor": "Vem", "col_action": "Vad", "col_object": "Objekt",
        "col_change": "Ändring"},
    en={"title": "Audit log ({n:row|rows})", "none": "Nothing in the audit log{since}.",
        "since": " since {day}", "col_at": "When", "col_actor": "Who", "col_action": "What", "col_object": "Object",
        "col_change": "Change"},
)


class AuditFormat(StrEnum):
    table = "table"
    json = "json"


@user_errors
def audit(
    ctx: typer.Context,
    since: Annotated[datetime | None, typer.Option(
        formats=DATE_FORMATS, help="From this day (YYYY-MM-DD, Swedish time).")] = None,
    format: Annotated[AuditFormat, typer.Option("--format", "-f", help="table or json.")] = AuditFormat.table,
) -> None:
    """Every alert change, note, snooze, assignment and view of evidence, oldest first. The log
    cannot be changed: the database refuses it."""
    from monitor.alerts.audit import audit_entries, change_text

    state = state_of(ctx)
    t = translator(ctx, TEXTS)
    with state.engine(create=False).connect() as conn:
        rows = audit_entries(conn, since.replace(tzinfo=STOCKHOLM) if since else None)
    if format is AuditFormat.json:
        sys.stdout.write(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        console.print(t("none", since=t("since", day=f"{since:%Y-%m-%d}") if since else ""),
                      highlight=False, markup=False)
        return
    table = Table(title=t("title", n=len(rows)))
    for key in ("col_at", "col_actor", "col_action", "col_object", "col_change"):
        table.add_column(t(key))
    for r in rows:
        table.add_row(local_text(r.at), escape(r.actor), r.action, escape(f"{r.object_type} {r.object_id}"),
                      escape(change_text(r.before, r.after)))
    print_table(table)
