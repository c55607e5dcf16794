"""Company facts per org number (a credit-information service's or the company register's
export): registrations, payment remarks, rating, status, board and signatories, as a dated
snapshot. Board members and signatories are people: their ids are pseudonymised like client ids."""

from __future__ import annotations

from typing import Any

from monitor.imports.fields import (
    RowErrors,
    calendar_date,
    choice,
    count,
    date_within,
    non_negative,
    optional,
    optional_yes_no,
    org_number,
    split_people,
)
from monitor.imports.runner import ImportContext, ImportSpec
from monitor.models import RegistrySnapshot

COMPANY_STATUSES = ("active", "liquidation", "bankruptcy", "reconstruction", "deregistered")
_status = choice(COMPANY_STATUSES)


def parse_registry(row: dict[str, str], ctx: ImportContext) -> dict[str, Any]:
    e = RowErrors()
    status_text = row.get("company_status", "")
    record = {
        "org_number": e.check("org_number", org_number, row["org_number"]),
        "snapshot_date": e.check("snapshot_date", date_within(ctx.bounds), row["snapshot_date"]),
        "name": optional(row.get("name", "")),
        "f_tax": e.check("f_tax", optional_yes_no, row.get("f_tax", "")),
        "vat": e.check("vat", optional_yes_no, row.get("vat", "")),
        "employer": e.check("employer", optional_yes_no, row.get("employer", "")),
        "payment_remarks": e.check("payment_remarks", count, row.get("payment_remarks", "")),
        "payment_remarks_amount": e.check("payment_remarks_amount", non_negative,
                                          row.get("payment_remarks_amount", "")),
        "credit_rating": optional(row.get("credit_rating", "")),
        "company_status": e.check("company_status", _status, status_text) if status_text.strip() else None,
        "registration_date": e.check("registration_date", calendar_date, row.get("registration_date", "")),
        # Sorted sets: the same board written in another order is the same board.
        "board_refs": sorted({ctx.pseudonymise(p) for p in split_people(row.get("board_members", ""))}),
        "signatory_refs": sorted({ctx.pseudonymise(p) for p in split_people(row.get("signatories", ""))}),
        "auditor": optional(row.get("auditor", "")),
        "address": optional(row.get("address", "")),
    }
    e.raise_if_any()
    return record


SPEC = ImportSpec(
    kind="registry",
    table=RegistrySnapshot.__table__,  # type: ignore[attr-defined]
    required_columns=("org_number", "snapshot_date"),
    optional_columns=(
        "name", "f_tax", "vat", "employer", "payment_remarks", "payment_remarks_amount", "credit_rating",
        "company_status", "registration_date", "board_members", "signatories", "auditor", "address",
    ),
    conflict_keys=("org_number", "snapshot_date"),
    parse_row=parse_registry,
    derived_from={"board_refs": "board_members", "signatory_refs": "signatories"},
)
