"""Staff lists: who works for which supplier, and whose relative they are."""

from __future__ import annotations

from typing import Any

from monitor.imports.fields import RowErrors, required, split_people
from monitor.imports.runner import ImportContext, ImportSpec
from monitor.models import Staff


def parse_staff(row: dict[str, str], ctx: ImportContext) -> dict[str, Any]:
    e = RowErrors()
    record = {
        "staff_id": e.check("staff_id", required, row["staff_id"]),
        "supplier_id": ctx.supplier_id(e, row["supplier_org_number"]),
        "relative_of_client_refs": sorted(
            {ctx.pseudonymise(c) for c in split_people(row.get("relative_of_client_ids", ""))}
        ),
    }
    e.raise_if_any()
    return record


SPEC = ImportSpec(
    kind="staff",
    table=Staff.__table__,  # type: ignore[attr-defined]
    required_columns=("staff_id", "supplier_org_number"),
    optional_columns=("relative_of_client_ids",),
    conflict_keys=("supplier_id", "staff_id"),
    parse_row=parse_staff,
    derived_from={"relative_of_client_refs": "relative_of_client_ids"},
)
