"""Spend outside contract: invoices from suppliers not in the register, or for a month outside
their contract period, or for another contract area than theirs.

The category plan's "leverantörstrohet" is the share of the money spent with contracted
suppliers within their contracts. `monthly_spend` gives it per month for the digest;
the purchases_outside_contract rule flags the registered suppliers' part of it.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from monitor.labels import fold_label
from monitor.models import Invoice, Supplier


@dataclass(frozen=True)
class MonthlySpend:
    month: date  # the first day
    total: float
    outside_register: float  # suppliers not in the supplier register
    outside_contract: float  # registered suppliers, outside their contract period or area
    suppliers_outside_register: int

    @property
    def outside(self) -> float:
        return self.outside_register + self.outside_contract

    @property
    def loyalty(self) -> float | None:
        """Leverantörstrohet: the share of the spend within contract (None without spend)."""
        return None if self.total <= 0 else max(0.0, 1 - self.outside / self.total)

    def as_json(self) -> dict[str, Any]:
        return {"month": f"{self.month:%Y-%m}", "total": round(self.total), "outside": round(self.outside),
                "outside_register": round(self.outside_register), "outside_contract": round(self.outside_contract),
                "suppliers_outside_register": self.suppliers_outside_register,
                "loyalty_pct": None if self.loyalty is None else round(100 * self.loyalty, 1)}


def outside_reason(contract: Any, month: date, area: str | None) -> str | None:
    """Why a line for `month` (and `area`, if the invoice says) is outside the contract: period,
    area or None. `contract` has start, end and area (monitor.findings.registers.Contract or a row)."""
    last = month.replace(day=monthrange(month.year, month.month)[1])
    if (contract.start is not None and last < contract.start) or (contract.end is not None and month > contract.end):
        return "period"
    if isinstance(area, str) and area and fold_label(area) != fold_label(contract.area):  # NaN from pandas: none given
        return "area"
    return None


def monthly_spend(conn: Connection, months: int = 3) -> list[MonthlySpend]:
    """The latest `months` invoiced months, oldest first (empty without invoices)."""
    s = Supplier.__table__.c  # type: ignore[attr-defined]
    i = Invoice.__table__.c  # type: ignore[attr-defined]
    contracts = {r.org_number: _Contract(r.contract_start, r.contract_end, r.contract_area)
                 for r in conn.execute(select(s.org_number, s.contract_start, s.contract_end, s.contract_area))}
    totals: dict[date, dict[str, float]] = {}
    unregistered: dict[date, set[str]] = {}
    for line in conn.execute(select(i.org_number, i.period, i.amount, i.contract_area)):
        month = totals.setdefault(line.period, {"total": 0.0, "register": 0.0, "contract": 0.0})
        month["total"] += line.amount
        contract = contracts.get(line.org_number)
        if contract is None:
            month["register"] += line.amount
            unregistered.setdefault(line.period, set()).add(line.org_number)
        elif outside_reason(contract, line.period, line.contract_area):
            month["contract"] += line.amount
    latest = sorted(totals)[-months:]
    return [MonthlySpend(m, totals[m]["total"], totals[m]["register"], totals[m]["contract"],
                         len(unregistered.get(m, ()))) for m in latest]


@dataclass(frozen=True)
class _Contract:
    start: date | None
    end: date | None
    area: str
