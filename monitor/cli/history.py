"""`monitor imports`: the import history, newest first: what came in, when, and what was rejected."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from monitor.cli.common import ListFormat, print_table, state_of, translator, user_errors
from monitor.models import ImportBatch
from monitor.phrasing import format_number
from monitor.texts import Texts
from monitor.timestamps import local_iso, local_text

TEXTS = Texts(
    sv={
        "title": "Inläsningar, senaste först ({n:fil|filer})",
        "id": "Nr", "started": "Startad", "kind": "Slag", "file": "Fil", "status": "Status",
        "read": "Rader", "applied": "Inlästa", "rejected": "Avvisade", "message": "Meddelande",
        "status_applied": "inläst", "status_partial": "delvis inläst", "status_rejected": "avvisad",
        "status_failed": "misslyckad", "status_running": "pågår",
    },
    en={
        "title": "Imports, newest first ({n:file|files})",
        "id": "id", "started": "started", "kind": "kind", "file": "file", "status": "status",
        "read": "read", "applied": "applied", "rejected": "rejected", "message": "message",
        "status_applied": "applied", "status_partial": "partial", "status_rejected": "rejected",
        "status_failed": "failed", "status_running": "running",
    },
)
COLUMNS = ("id", "started", "kind", "file", "status", "read", "applied", "rejected", "message")


@user_errors
def imports_history(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="Only this kind (suppliers, staff, visits, ...).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    format: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
) -> None:
    """The files imported, newest first: status, rows read, applied and rejected, and why a file failed."""
    b = ImportBatch.__table__.c  # type: ignore[attr-defined]
    query = select(ImportBatch.__table__).order_by(b.id.desc()).limit(limit)
    if kind:
        query = query.where(b.kind == kind)
    with state_of(ctx).engine(create=False).connect() as conn:
        rows = conn.execute(query).all()
    if format is ListFormat.json:
        # For programs: English keys and values whatever the language.
        out = [{"id": r.id, "kind": r.kind, "file": r.file_name, "status": r.status,
                "started": local_iso(r.started_at), "finished": local_iso(r.finished_at) if r.finished_at else None,
                "rows_read": r.rows_read, "rows_accepted": r.rows_accepted, "rows_rejected": r.rows_rejected,
                "strict": r.strict, "sha256": r.sha256, "message": r.message} for r in rows]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    t = translator(ctx, TEXTS)
    table = Table(title=t("title", n=len(rows)))
    for name in COLUMNS:
        table.add_column(t(name), justify="right" if name in ("id", "read", "applied", "rejected") else "left")
    known = set(TEXTS.catalogues["en"])
    for r in rows:
        status = t(f"status_{r.status}") if f"status_{r.status}" in known else r.status
        # The kind as written after `monitor import`; the message is the import's error, in English.
        table.add_row(str(r.id), local_text(r.started_at), r.kind, escape(Path(r.file_name).name), status,
                      *(str(format_number(n, t.language)) for n in (r.rows_read, r.rows_accepted, r.rows_rejected)),
                      escape(r.message or ""))
    print_table(table)
