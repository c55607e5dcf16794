"""Invoices against registered visits, as the billing detectors read them.

Invoice lines are summed per supplier, service type and month, so a credit note cancels the
line it corrects and what is judged is what was finally billed. Registered time is the sum of
the visits' registered minutes for the same supplier, service type (compared as labels:
case and spacing do not matter) and local calendar month. A month is only judged where the
visit data covers it: at least `min_month_coverage` of its days have some registered visit
(of any supplier), so a month before the first imported visits is not "billed without
visits".
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from monitor.findings.evidence import RuleContext
from monitor.findings.periods import key_date, local_days, period_keys
from monitor.findings.registers import all_contracts
from monitor.labels import fold_label
from monitor.models import Invoice

_EPOCH = date(1970, 1, 1)
GROUP = ["supplier_id", "service", "month_key"]


def month_key(day: date) -> int:
    """The month's key as monitor.findings.periods gives it: the day number of its first day."""
    return (day.replace(day=1) - _EPOCH).days


def month_label(key: float) -> str:
    return f"{key_date(key):%Y-%m}"


def invoice_lines(ctx: RuleContext) -> pd.DataFrame:
    """Every invoice line, with the supplier's id where the org number is in the register (else NaN)."""
    cache = ctx.evidence._derived
    if ("billing", "lines") not in cache:
        i = Invoice.__table__.c  # type: ignore[attr-defined]
        rows = ctx.conn.execute(select(i.invoice_id, i.org_number, i.period, i.service_type, i.hours, i.units,
                                       i.amount, i.contract_price, i.contract_area)).all()
        frame = pd.DataFrame.from_records(rows, columns=["invoice_id", "org_number", "period", "service_type", "hours",
                                                         "units", "amount", "contract_price", "contract_area"])
        ids = {org: c.supplier_id for org, c in all_contracts(ctx).items()}
        frame["supplier_id"] = frame["org_number"].map(ids).astype("float64")
        frame["service"] = frame["service_type"].map(fold_label)
        frame["month_key"] = frame["period"].map(month_key).astype("float64")
        for column in ("hours", "units", "amount", "contract_price"):
            frame[column] = frame[column].astype("float64")
        cache[("billing", "lines")] = frame
    return cache[("billing", "lines")]  # type: ignore[no-any-return]


def lines_in_scope(ctx: RuleContext) -> pd.DataFrame:
    """The lines of registered suppliers the rule judges (its suppliers and service types)."""
    lines = invoice_lines(ctx)
    lines = lines[lines["supplier_id"].notna()]
    if ctx.supplier_ids is not None:
        lines = lines[lines["supplier_id"].isin(ctx.supplier_ids)]
    if ctx.service_types is not None:
        lines = lines[lines["service"].isin({fold_label(s) for s in ctx.service_types})]
    return lines


def net_billing(ctx: RuleContext) -> pd.DataFrame:
    """Per supplier, service and month: net hours, units and amount, the contract price (the
    highest given, in the supplier's favour) and the invoice ids."""
    lines = lines_in_scope(ctx)
    if lines.empty:
        return pd.DataFrame(columns=[*GROUP, "service_type", "hours", "units", "amount", "contract_price",
                                     "invoice_ids"])
    grouped = lines.groupby(GROUP, sort=True)
    return grouped.agg(
        service_type=("service_type", "first"),
        hours=("hours", lambda v: v.sum(min_count=1)),
        units=("units", lambda v: v.sum(min_count=1)),
        amount=("amount", "sum"),
        contract_price=("contract_price", "max"),
        invoice_ids=("invoice_id", lambda v: sorted(set(map(str, v)))),
    ).reset_index()


def registered_hours(ctx: RuleContext) -> dict[tuple[int, str, int], tuple[float, int]]:
    """(supplier id, service, month key) -> (registered hours, visits) of the rule's visits."""

    def compute(visits: pd.DataFrame) -> dict[tuple[int, str, int], tuple[float, int]]:
        if visits.empty:
            return {}
        frame = pd.DataFrame({
            "supplier_id": visits["supplier_id"].to_numpy(),
            "service": visits["service_type"].astype(str).map(fold_label).to_numpy(),
            "month_key": period_keys(visits["registered_start"].to_numpy(dtype="float64"), "month"),
            "hours": visits["registered_minutes"].to_numpy(dtype="float64") / 60.0,
        })
        sums = frame.groupby(["supplier_id", "service", "month_key"]).agg(hours=("hours", "sum"),
                                                                          visits=("hours", "size"))
        return {(int(s), str(v), int(m)): (float(r.hours), int(r.visits)) for (s, v, m), r in sums.iterrows()}

    return ctx.derived("billing_registered_hours", compute)


def registered_services(ctx: RuleContext) -> frozenset[str]:
    """The service types the time-registration system registers at all (any supplier)."""
    cache = ctx.evidence._derived
    if ("billing", "services") not in cache:
        cache[("billing", "services")] = ctx.evidence.window_service_types()
    return cache[("billing", "services")]  # type: ignore[no-any-return]


def month_coverage(ctx: RuleContext) -> dict[int, tuple[int, int]]:
    """Month key -> (days with a registered visit of any supplier, days in the month)."""
    cache = ctx.evidence._derived
    key = ("billing", "coverage")
    if key not in cache:
        days = np.unique(local_days(ctx.evidence.window_visit_instants()))
        counts: dict[int, int] = {}
        for day in days:
            first = month_key(key_date(day))
            counts[first] = counts.get(first, 0) + 1
        cache[key] = {m: (n, monthrange(key_date(m).year, key_date(m).month)[1]) for m, n in counts.items()}
    return cache[key]  # type: ignore[no-any-return]


def covered_months(ctx: RuleContext, min_coverage: float) -> set[int]:
    """Months in which at least `min_coverage` of the days have a registered visit (any supplier)."""
    return {m for m, (covered, days) in month_coverage(ctx).items() if covered / days >= min_coverage}


def as_args(row: Any) -> dict[str, Any]:
    """The numbers every billing finding shows."""
    return {"service": row.service_type, "month": month_label(row.month_key)}
