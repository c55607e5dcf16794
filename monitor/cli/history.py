"""`monitor imports`: the import history, newest first: what came in, when, and what was rejected."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from monitor.cli.common import print_table, state_of, user_errors
from monitor.models import ImportBatch
from monitor.timestamps import local_iso, local_text


class HistoryFormat(StrEnum):
    table = "table"
    json = "json"


@user_errors
def imports_history(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="Only this kind (suppliers, staff, visits, ...).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    format: Annotated[HistoryFormat, typer.Option("--format", "-f", help="table or json.")] = HistoryFormat.table,
) -> None:
    """The files imported, newest first: status, rows read, applied and rejected, and why a file failed."""
    b = ImportBatch.__table__.c  # type: ignore[attr-defined]
    query = select(ImportBatch.__table__).order_by(b.id.desc()).limit(limit)
    if kind:
        query = query.where(b.kind == kind)
    with state_of(ctx).engine(create=False).connect() as conn:
        rows = conn.execute(query).all()
    if format is HistoryFormat.json:
        out = [{"id": r.id, "kind": r.kind, "file": r.file_name, "status": r.status,
                "started": local_iso(r.started_at), "finished": local_iso(r.finished_at) if r.finished_at else None,
                "rows_read": r.rows_read, "rows_accepted": r.rows_accepted, "rows_rejected": r.rows_rejected,
                "strict": r.strict, "sha256": r.sha256, "message": r.message} for r in rows]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"Imports ({len(rows)} newest)")
    for name in ("id", "started", "kind", "file", "status", "read", "applied", "rejected", "message"):
        table.add_column(name, justify="right" if name in ("id", "read", "applied", "rejected") else "left")
    for r in rows:
        table.add_row(str(r.id), local_text(r.started_at), r.kind, escape(Path(r.file_name).name), r.status,
                      str(r.rows_read), str(r.rows_accepted), str(r.rows_rejected), escape(r.message or ""))
    print_table(table)
