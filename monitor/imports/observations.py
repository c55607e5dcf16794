"""Door observations ("portobservationer") made by the follow-up team."""

from __future__ import annotations

from typing import Any

from monitor.addresses import address_key
from monitor.imports.fields import RowErrors, coordinates, interval, required, yes_no
from monitor.imports.runner import ImportContext, ImportSpec
from monitor.models import DoorObservation


def parse_observation(row: dict[str, str], ctx: ImportContext) -> dict[str, Any]:
    e = RowErrors()
    address = e.check("address", required, row["address"])
    latitude, longitude = coordinates(e, row.get("latitude", ""), row.get("longitude", ""))
    observed_from, observed_to = interval(e, ("observed_from", "observed_to"), row, ctx.bounds)
    record = {
        "observation_id": e.check("observation_id", required, row["observation_id"]),
        "address": address,
        "address_key": address_key(address) if address else None,
        "latitude": latitude,
        "longitude": longitude,
        "observed_from": observed_from,
        "observed_to": observed_to,
        "staff_seen": e.check("staff_seen", yes_no, row["staff_seen"]),
        "observer": row.get("observer", "").strip(),
        "note": row.get("note", "").strip(),
    }
    e.raise_if_any()
    return record


SPEC = ImportSpec(
    kind="observations",
    table=DoorObservation.__table__,  # type: ignore[attr-defined]
    required_columns=("observation_id", "address", "observed_from", "observed_to", "staff_seen"),
    optional_columns=("latitude", "longitude", "observer", "note"),
    conflict_keys=("observation_id",),
    parse_row=parse_observation,
    pseudonymises=False,
)
