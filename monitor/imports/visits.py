"""Visit registrations from the home-care time-registration system."""

from __future__ import annotations

from typing import Any

from monitor.addresses import address_key
from monitor.imports.fields import (
    RowErrors,
    coordinates,
    instant_within,
    interval,
    non_negative,
    required,
)
from monitor.imports.runner import ImportContext, ImportSpec
from monitor.imports.visit_columns import parse_visit_columns, registration_method
from monitor.models import Visit


def parse_visit(row: dict[str, str], ctx: ImportContext) -> dict[str, Any]:
    e = RowErrors()
    address = e.check("address", required, row["address"])
    latitude, longitude = coordinates(e, row["latitude"], row["longitude"])
    planned_start, planned_end = interval(e, ("planned_start", "planned_end"), row, ctx.bounds, optional=True)
    registered_start, registered_end = interval(e, ("registered_start", "registered_end"), row, ctx.bounds)
    record = {
        "visit_id": e.check("visit_id", required, row["visit_id"]),
        "supplier_id": ctx.supplier_id(e, row["supplier_org_number"]),
        "staff_id": e.check("staff_id", required, row["staff_id"]),
        "client_ref": ctx.client_ref(e, "client_id", row["client_id"]),
        "address": address,
        "address_key": address_key(address) if address else None,
        "latitude": latitude,
        "longitude": longitude,
        "planned_start": planned_start,
        "planned_end": planned_end,
        "registered_start": registered_start,
        "registered_end": registered_end,
        "registration_method": e.check(
            "registration_method", registration_method, row["registration_method"]
        ),
        "service_type": e.check("service_type", required, row["service_type"]),
        "device_id": row.get("device_id", "").strip() or None,
        "recorded_at": e.check("recorded_at", instant_within(ctx.bounds), row.get("recorded_at", "")),
        "decided_minutes": e.check("decided_minutes", non_negative, row.get("decided_minutes", "")),
    }
    e.raise_if_any()
    return record


SPEC = ImportSpec(
    kind="visits",
    table=Visit.__table__,  # type: ignore[attr-defined]
    required_columns=(
        "visit_id", "supplier_org_number", "staff_id", "client_id", "address", "latitude",
        "longitude", "planned_start", "planned_end", "registered_start", "registered_end",
        "registration_method", "service_type",
    ),
    optional_columns=("device_id", "recorded_at", "decided_minutes"),
    conflict_keys=("visit_id",),
    parse_row=parse_visit,
    parse_columns=parse_visit_columns,
)
