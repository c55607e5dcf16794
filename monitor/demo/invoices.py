"""Invoices of the demo municipality: every supplier bills each month what its staff registered,
per service type, at its contract price (the whole month: for a month the visits cover mostly,
the registered hours scaled to its days, as a real invoice covers days the export does not);
a few suppliers outside the register are bought from too. Made from the visits file.

Planted (on ordinary honest suppliers, see monitor.demo.registers.plan_registers):

* billed_hours: bills 30 % more hours than were registered, every service, every month;
* off_contract_spend: also bills short-term stays in another contract area (LSS), above the
  contract price there and for its own services.

Honest look-alike (credit_note): a month first billed too high, then credited in full and
billed again as registered.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from stdnum import luhn

from monitor.csvoutput import CsvWriter

if TYPE_CHECKING:
    from monitor.demo.municipality import Municipality
    from monitor.demo.registers import RegisterPlan

INVOICE_COLUMNS = (
    "invoice_id", "supplier_org_number", "period", "service_type", "hours", "units", "amount", "contract_price",
    "invoice_date", "contract_area",
)
HOURLY_PRICE = {"Hemtjänst": 450.0, "Boendestöd": 520.0, "LSS": 480.0}
INFLATION = 1.3
# Suppliers outside the register the municipality still buys from (direct purchases).
UNREGISTERED = (("Akutbemanning Stockholm AB", "bemanning"), ("Korttidsboendet Ekudden AB", "korttidsvistelse"),
                ("Trygga Nätter Jour AB", "nattillsyn"))


def registered_hours(visits_file: Path, min_coverage: float = 0.8) -> dict[tuple[str, str, str], float]:
    """(org number, service type, month 'YYYY-MM') -> the hours the month's care came to, from
    the visits export: an invoice bills the whole month, while the demo's visits begin and end
    within one, so a month the visits cover mostly (`min_coverage` of its days) is scaled to its
    days; a month covered less is billed as registered."""
    hours: dict[tuple[str, str, str], float] = defaultdict(float)
    days: dict[str, set[str]] = defaultdict(set)
    with visits_file.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            start = datetime.fromisoformat(row["registered_start"])
            end = datetime.fromisoformat(row["registered_end"])
            # The month of the local start: the demo writes local times with their offset.
            key = (row["supplier_org_number"], row["service_type"], row["registered_start"][:7])
            hours[key] += (end - start).total_seconds() / 3600
            days[key[2]].add(row["registered_start"][:10])
    scale = {}
    for month, seen in days.items():
        first = date.fromisoformat(f"{month}-01")
        length = ((first + timedelta(days=32)).replace(day=1) - first).days
        scale[month] = length / len(seen) if len(seen) >= min_coverage * length else 1.0
    return {key: registered * scale[key[2]] for key, registered in hours.items()}


def write_invoices(path: Path, visits_file: Path, town: Municipality, plan: RegisterPlan) -> None:
    hours = registered_hours(visits_file)
    by_org = {s.org: s for s in town.suppliers}
    billed = plan.host("billed_hours")
    off_contract = plan.host("off_contract_spend")
    corrected = plan.host("credit_note")
    rows: list[list[str]] = []
    for (org, service, month), registered in sorted(hours.items()):
        supplier = by_org[org]
        price = HOURLY_PRICE.get(supplier.spec.contract_area, 450.0)
        invoice = f"{month.replace('-', '')}-{supplier.no:03d}"
        billed_on = _invoice_date(month, town)
        hours_billed = round(registered, 1)
        if supplier is billed:
            hours_billed = round(registered * INFLATION, 1)
        charged = price * 1.1 if supplier is off_contract else price
        if supplier is corrected:
            too_many = round(registered * INFLATION, 1)
            rows.append(_line(f"{invoice}-1", org, month, service, too_many, too_many * price, price, billed_on))
            rows.append(_line(f"{invoice}-K", org, month, service, -too_many, -too_many * price, price,
                              billed_on + timedelta(days=2)))
            invoice, billed_on = f"{invoice}-2", billed_on + timedelta(days=2)
        rows.append(_line(invoice, org, month, service, hours_billed, hours_billed * charged, price, billed_on))
    months = sorted({month for _, _, month in hours})
    if off_contract is not None:
        for month in months:
            rows.append(_line(f"{month.replace('-', '')}-{off_contract.no:03d}-LSS", off_contract.org, month,
                              "korttidsvistelse", 60.0, 60.0 * 610, None, _invoice_date(month, town), area="LSS"))
    rng = town.rng("invoices")
    taken = set(by_org)
    for number, (_name, service) in enumerate(UNREGISTERED, start=1):
        org = _org_number(rng, taken)
        for month in months:
            amount = rng.randint(20, 90) * 1_000
            rows.append(_line(f"D{month.replace('-', '')}-{number}", org, month, service, None, amount, None,
                              _invoice_date(month, town)))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = CsvWriter(f, lineterminator="\n")
        writer.writerow(INVOICE_COLUMNS)
        for row in rows:
            writer.writerow(row)


def _invoice_date(month: str, town: Municipality) -> date:
    """The 5th of the next month, or two days after the demo's last day if that is earlier: the
    demo's exports are taken a week after it, and no invoice may be dated after them."""
    first = date.fromisoformat(f"{month}-01")
    return min((first + timedelta(days=32)).replace(day=5), town.clock.start + timedelta(days=town.days + 1))


def _line(invoice: str, org: str, month: str, service: str, hours: float | None, amount: float,
          price: float | None, billed_on: date, area: str = "") -> list[str]:
    return [invoice, org, month, service, "" if hours is None else f"{hours:.1f}", "", f"{amount:.2f}",
            "" if price is None else f"{price:.2f}", billed_on.isoformat(), area]


def _org_number(rng: random.Random, taken: set[str]) -> str:
    while True:
        digits = "559" + f"{rng.randrange(10**6):06d}"
        number = digits + luhn.calc_check_digit(digits)
        text = f"{number[:6]}-{number[6:]}"
        if text not in taken:
            taken.add(text)
            return text
