"""Invoices from the financial system: one row per invoice line (supplier, month, service).

A credit note is a row with a negative amount (and negative hours or units): summed per
supplier, service and month, it cancels what it corrects. The supplier need not be in the
supplier register, since purchases outside contract are one of the things to find."""

from __future__ import annotations

from typing import Any

from monitor.imports.fields import (
    RowErrors,
    date_within,
    decimal,
    month_within,
    non_negative,
    optional,
    org_number,
    required,
)
from monitor.imports.runner import ImportContext, ImportSpec
from monitor.models import Invoice


def _amount(value: str) -> float:
    number = decimal(value)
    if number is None:
        raise ValueError("missing value")
    return number


def parse_invoice(row: dict[str, str], ctx: ImportContext) -> dict[str, Any]:
    e = RowErrors()
    amount = e.check("amount", _amount, row["amount"])
    hours = e.check("hours", decimal, row.get("hours", ""))
    units = e.check("units", decimal, row.get("units", ""))
    for column, quantity in (("hours", hours), ("units", units)):
        # A credit note takes back hours and money together; a line that bills hours for a
        # negative amount (or the reverse) is a typing error, and would cancel the wrong way.
        if amount and quantity and (amount > 0) != (quantity > 0):
            e.add(column, f"{column} and amount have opposite signs ({quantity:g} and {amount:g})")
    record = {
        "invoice_id": e.check("invoice_id", required, row["invoice_id"]),
        "org_number": e.check("supplier_org_number", org_number, row["supplier_org_number"]),
        "period": e.check("period", month_within(ctx.bounds), row["period"]),
        "service_type": e.check("service_type", required, row["service_type"]),
        "hours": hours,
        "units": units,
        "amount": amount,
        "contract_price": e.check("contract_price", non_negative, row.get("contract_price", "")),
        "invoice_date": e.check("invoice_date", date_within(ctx.bounds), row["invoice_date"]),
        "contract_area": optional(row.get("contract_area", "")),
    }
    e.raise_if_any()
    return record


SPEC = ImportSpec(
    kind="invoices",
    table=Invoice.__table__,  # type: ignore[attr-defined]
    required_columns=("invoice_id", "supplier_org_number", "period", "service_type", "amount", "invoice_date"),
    optional_columns=("hours", "units", "contract_price", "contract_area"),
    # invoice_id first: a duplicate row is named by it.
    conflict_keys=("invoice_id", "org_number", "service_type", "period"),
    parse_row=parse_invoice,
    pseudonymises=False,
)
