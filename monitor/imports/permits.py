"""IVO's register of permits (exported), as a dated snapshot: each unit's permit and its status,
and the latest IVO decision that criticised the unit."""

from __future__ import annotations

from typing import Any

from monitor.imports.fields import (
    RowErrors,
    calendar_date,
    choice,
    date_within,
    optional,
    org_number,
    past_date,
    required,
)
from monitor.imports.runner import ImportContext, ImportSpec
from monitor.models import Permit

PERMIT_STATUSES = ("valid", "revoked", "expired")
_status = choice(PERMIT_STATUSES)


def parse_permit(row: dict[str, str], ctx: ImportContext) -> dict[str, Any]:
    e = RowErrors()
    decided = e.check("decision_date", past_date(ctx.bounds), row["decision_date"])
    criticised = e.check("criticism_date", calendar_date, row.get("criticism_date", ""))
    snapshot = e.check("snapshot_date", date_within(ctx.bounds), row["snapshot_date"])
    if criticised and snapshot and criticised > snapshot:
        e.add("criticism_date", f"after the snapshot it is part of ({criticised} is after {snapshot})")
    area = optional(row.get("criticism_area", ""))
    if (area or optional(row.get("criticism", ""))) and not criticised and "criticism_date" not in dict(e.errors):
        e.add("criticism_date", "missing while the criticism is given")
    record = {
        "org_number": e.check("org_number", org_number, row["org_number"]),
        "unit": e.check("unit", required, row["unit"]),
        "permit_type": e.check("permit_type", required, row["permit_type"]),
        "decision_date": decided,
        "status": e.check("status", _status, row["status"]),
        "snapshot_date": snapshot,
        "criticism_date": criticised,
        "criticism_area": area,
        "criticism": optional(row.get("criticism", "")),
    }
    e.raise_if_any()
    return record


SPEC = ImportSpec(
    kind="permits",
    table=Permit.__table__,  # type: ignore[attr-defined]
    required_columns=("org_number", "unit", "permit_type", "decision_date", "status", "snapshot_date"),
    optional_columns=("criticism_date", "criticism_area", "criticism"),
    conflict_keys=("org_number", "unit", "permit_type", "snapshot_date"),
    parse_row=parse_permit,
    pseudonymises=False,
)
