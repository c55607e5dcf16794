"""Client events: hospital stays, deaths and moves, during which no visit can happen."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from monitor.imports.fields import RowErrors, choice
from monitor.imports.runner import ImportContext, ImportSpec
from monitor.models import ClientEvent
from monitor.timestamps import day_end, day_start, parse_instant

EVENTS = ("hospitalized", "deceased", "moved_out")
_event = choice(EVENTS)


def _is_date(text: str) -> bool:
    return len(text) == 10 and text[4] == "-"


def _start(text: str) -> datetime:
    text = text.strip()
    if not text:
        raise ValueError("missing value")
    return day_start(date.fromisoformat(text)) if _is_date(text) else parse_instant(text)


def _end(text: str) -> datetime | None:
    """A date-only end is inclusive: a stay ending 2026-10-05 covers that whole day."""
    text = text.strip()
    if not text:
        return None
    return day_end(date.fromisoformat(text)) if _is_date(text) else parse_instant(text)


def parse_client_event(row: dict[str, str], ctx: ImportContext) -> dict[str, Any]:
    e = RowErrors()
    start = e.check("start", _start, row["start"])
    end = e.check("end", _end, row.get("end", ""))
    if start and end and end < start:
        e.add("end", f"end before start ({row['end'].strip()} is before {row['start'].strip()})")
    record = {
        "client_ref": ctx.client_ref(e, "client_id", row["client_id"]),
        "event": e.check("event", _event, row["event"]),
        "start": start,
        "end": end,
    }
    e.raise_if_any()
    return record


SPEC = ImportSpec(
    kind="client-events",
    table=ClientEvent.__table__,  # type: ignore[attr-defined]
    required_columns=("client_id", "event", "start"),
    optional_columns=("end",),
    conflict_keys=("client_ref", "event", "start"),
    parse_row=parse_client_event,
)
