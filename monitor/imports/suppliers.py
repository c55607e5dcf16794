"""The supplier register: one row per contracted supplier."""

from __future__ import annotations

from typing import Any

from monitor.imports.fields import (
    RowErrors,
    calendar_date,
    choice,
    end_date,
    org_number,
    required,
    split_list,
    yes_no,
)
from monitor.imports.runner import ImportContext, ImportSpec
from monitor.models import Supplier

CONTRACT_FORMS = ("LOV", "LOU", "direkt")


def _cancelled(value: str) -> bool:
    return yes_no(value) if value.strip() else False


def parse_supplier(row: dict[str, str], ctx: ImportContext) -> dict[str, Any]:
    e = RowErrors()
    start = e.check("contract_start", calendar_date, row.get("contract_start", ""))
    end = e.check("contract_end", end_date, row.get("contract_end", ""))
    if start and end and end < start:
        e.add("contract_end", f"contract ends ({end}) before it starts ({start})")
    record = {
        "org_number": e.check("org_number", org_number, row["org_number"]),
        "name": e.check("name", required, row["name"]),
        "aliases": split_list(row.get("aliases", "")),
        "contract_area": e.check("contract_area", required, row["contract_area"]),
        "contract_form": e.check("contract_form", choice(CONTRACT_FORMS), row["contract_form"]),
        "subcategory": row.get("subcategory", "").strip() or None,
        "contract_start": start,
        "contract_end": end,
        "contract_cancelled": e.check("contract_cancelled", _cancelled, row.get("contract_cancelled", "")),
    }
    e.raise_if_any()
    return record


SPEC = ImportSpec(
    kind="suppliers",
    table=Supplier.__table__,  # type: ignore[attr-defined]
    required_columns=("org_number", "name", "contract_area", "contract_form"),
    optional_columns=("aliases", "subcategory", "contract_start", "contract_end", "contract_cancelled"),
    conflict_keys=("org_number",),
    parse_row=parse_supplier,
    pseudonymises=False,
)
