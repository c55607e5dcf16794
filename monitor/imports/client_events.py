"""Client events: hospital stays, deaths and moves, during which no visit can happen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.imports.fields import RowErrors, choice, until_further_notice
from monitor.imports.runner import ImportContext, ImportSpec
from monitor.models import ClientEvent
from monitor.timestamps import date_only, day_end, day_start, parse_instant

EVENTS = ("hospitalized", "deceased", "moved_out")
_event = choice(EVENTS)


def _start(text: str) -> datetime:
    text = text.strip()
    if not text:
        raise ValueError("missing value")
    day = date_only(text)
    return day_start(day) if day else parse_instant(text)


def _end(text: str) -> datetime | None:
    """A date-only end is inclusive: a stay ending 2026-10-05 covers that whole day. An empty
    end, or one until further notice (9999-12-31), is open: the event has not ended."""
    text = text.strip()
    if not text or until_further_notice(text):
        return None
    day = date_only(text)
    return day_end(day) if day else parse_instant(text)


def parse_client_event(row: dict[str, str], ctx: ImportContext) -> dict[str, Any]:
    e = RowErrors()
    # The start is bounded like any registered time: a start typed as 2062 would hide every
    # visit after a death. The end is not: an end after the import means still going on.
    start = e.check("start", lambda text: ctx.bounds.check(_start(text), text.strip()), row["start"])
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
