"""Register exports of the demo municipality: company facts for every supplier (four dated
snapshots a quarter apart) and IVO's permits, with the register schemes planted and their
honest look-alikes.

Planted (each on an ordinary honest supplier, so that only the register and invoice rules can
find it; see monitor.demo.invoices for the billing ones, and plan_registers for where they go):

* lapsed_registration: the F-tax registration gone in the latest snapshot while the contract
  runs, and a board replaced three times in the year before;

Honest look-alikes, on suppliers that are already honest look-alikes (LOOK_ALIKE_HOSTS): a
name change (name_change) and one board member replaced once (board_change). Board members are
invented people whose personnummer have a wrong check digit, like the demo's clients.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from stdnum import luhn

from monitor.csvoutput import CsvWriter

if TYPE_CHECKING:
    from monitor.demo.municipality import Municipality
    from monitor.demo.suppliers import Supplier

# Planted in this order on the ordinary honest suppliers; the billing ones are made in invoices.py.
REGISTER_SCHEMES = ("lapsed_registration", "billed_hours", "off_contract_spend")
REGISTER_LOOK_ALIKES = ("name_change", "board_change", "credit_note")
REGISTRY_COLUMNS = (
    "org_number", "snapshot_date", "name", "f_tax", "vat", "employer", "payment_remarks", "payment_remarks_amount",
    "credit_rating", "company_status", "registration_date", "board_members", "signatories", "auditor", "address",
)
PERMIT_COLUMNS = (
    "org_number", "unit", "permit_type", "decision_date", "status", "snapshot_date", "criticism_date",
    "criticism_area", "criticism",
)
PERMIT_AREAS = ("LSS", "HVB", "Stödboende")


# The honest look-alikes of the register and billing schemes go on the visit look-alikes, which
# every scale keeps: (register look-alike, the visit look-alike's role).
LOOK_ALIKE_HOSTS = (("name_change", "large"), ("board_change", "rural"), ("credit_note", "double"))


@dataclass
class RegisterPlan:
    """Who carries which register or billing scheme or look-alike (org number -> name)."""

    planted: dict[str, str] = field(default_factory=dict)
    look_alikes: dict[str, str] = field(default_factory=dict)
    hosts: dict[str, Supplier] = field(default_factory=dict)  # scheme or look-alike -> supplier

    def host(self, role: str) -> Supplier | None:
        return self.hosts.get(role)


def plan_registers(town: Municipality, schemes: Collection[str] | None = None) -> RegisterPlan:
    """Put the register schemes on the ordinary honest suppliers in catalog order, tidy ones first, so that only
    the register and invoice rules can find them (a scale that keeps no ordinary supplier, below
    about 0.55, plants none), and their look-alikes on the visit look-alikes. With `schemes`, only
    those schemes are planted; the look-alikes always are."""
    # Tidy ones first: a scheme on an untidy supplier would leave the honest side without its noise.
    honest = sorted((s for s in town.suppliers if s.role == "honest"), key=lambda s: bool(s.spec.noise))
    wanted = [r for r in REGISTER_SCHEMES if schemes is None or r in schemes]
    plan = RegisterPlan()
    for role, supplier in zip(wanted, honest, strict=False):
        plan.hosts[role] = supplier
        plan.planted[supplier.org] = role
    for role, host_role in LOOK_ALIKE_HOSTS:
        supplier = next((s for s in town.suppliers if s.role == host_role), None)
        if supplier is not None:
            plan.hosts[role] = supplier
            plan.look_alikes[supplier.org] = role
    return plan


def snapshot_dates(town: Municipality) -> list[date]:
    """A year of quarterly snapshots, the latest in the demo's last week."""
    latest = town.clock.start + timedelta(days=max(0, town.days - 7))
    return [latest - timedelta(weeks=13 * k) for k in (3, 2, 1, 0)]


def write_registry(path: Path, town: Municipality, plan: RegisterPlan) -> None:
    rng = town.rng("registry")
    people = _People(rng)
    dates = snapshot_dates(town)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = CsvWriter(f, lineterminator="\n")
        writer.writerow(REGISTRY_COLUMNS)
        for supplier in town.suppliers:
            for row in _snapshots(supplier, dates, plan, people, rng):
                writer.writerow(row)


def _snapshots(supplier: Supplier, dates: list[date], plan: RegisterPlan, people: _People,
               rng: random.Random) -> list[list[str]]:
    board = [people.new() for _ in range(rng.choice((2, 3, 3)))]
    boards = [list(board) for _ in dates]
    names = [supplier.spec.name] * len(dates)
    f_tax = ["ja"] * len(dates)
    if supplier is plan.host("lapsed_registration"):
        # One front man after another: a member replaced between every two snapshots.
        for k in range(1, len(dates)):
            boards[k] = [people.new(), *boards[k - 1][1:]]
        f_tax[-1] = "nej"
    elif supplier is plan.host("board_change"):
        boards[-1] = [boards[-1][0], people.new(), *boards[-1][2:]]
    elif supplier is plan.host("name_change"):
        names[-1] = supplier.spec.name.replace(" AB", " Omsorg AB") if " AB" in supplier.spec.name \
            else f"{supplier.spec.name} Omsorg"
    rating = rng.choice(("AAA", "AA", "AA", "A"))
    remarks = rng.choice((0, 0, 0, 0, 1))
    registered = supplier.contract_start - timedelta(days=rng.randint(200, 4000))
    auditor = rng.choice(("Revisionsbyrån Syd AB", "Granskning & Revision i Huddinge AB", "KPMG AB"))
    return [
        [supplier.org, day.isoformat(), names[k], f_tax[k], "ja", "ja", str(remarks), str(remarks * 3_400), rating,
         "active",
         registered.isoformat(), ";".join(boards[k]), boards[k][0], auditor, f"Box {100 + supplier.no}, Huddinge"]
        for k, day in enumerate(dates)
    ]


def write_permits(path: Path, town: Municipality) -> None:
    """A valid IVO permit for each supplier in an area that needs one."""
    rng = town.rng("permits")
    latest = snapshot_dates(town)[-1]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = CsvWriter(f, lineterminator="\n")
        writer.writerow(PERMIT_COLUMNS)
        for supplier in town.suppliers:
            if supplier.spec.contract_area not in PERMIT_AREAS:
                continue
            decided = supplier.contract_start - timedelta(days=rng.randint(30, 400))
            writer.writerow([supplier.org, f"{supplier.spec.name}, verksamhet 1", f"{supplier.spec.contract_area}",
                             decided.isoformat(), "valid", latest.isoformat(), "", "", ""])


class _People:
    """Invented board members: personnummer off by 1-9 from the check digit, so never a real person."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._taken: set[str] = set()

    def new(self) -> str:
        while True:
            born = date(1950, 1, 1) + timedelta(days=self._rng.randrange(16_000))
            serial = f"{self._rng.randrange(1, 1000):03d}"
            short = born.strftime("%y%m%d") + serial
            wrong = (int(luhn.calc_check_digit(short)) + self._rng.randint(1, 9)) % 10
            person = f"{born:%Y%m%d}-{serial}{wrong}"
            if person not in self._taken:
                self._taken.add(person)
                return person
