"""A synthetic municipality for `monitor demo`: seeded, realistic CSV exports with planted schemes.

The demo must show the whole pipeline on data that looks like a real municipality's exports
without containing a single real person. `generate_municipality` writes the five import files
(suppliers, staff, visits, door observations, client events) in the canonical column names:

* about 43 contracted suppliers of very different sizes: one large honest supplier with about a
  quarter of all visits, a few medium ones, many small ones with 2-6 staff;
* clients with care plans (morning care, meals, showers, cleaning, night checks) served by staff
  routes: each route drives its clients one after another, with travel time that follows the
  distance, in day (07-16), evening (15-22) and night shifts;
* hospital stays, deaths and moves, during which honest suppliers plan no visits;
* door observations by the follow-up team;
* company facts, IVO permits and invoices (`registers`, `invoices`), with three register and
  billing schemes on ordinary suppliers and their honest look-alikes (see those modules);
* fourteen planted welfare-crime schemes at fourteen different suppliers (`DemoDataset.planted`):
  thirteen with at least one for every built-in detector but the generic threshold rule, and one
  that no rule is written for (`UNCOVERED_SCHEMES`), so that only the outlier scoring can find it:
  identity_churn, a supplier that registers each round under a staff id that lasts a day or two
  (borrowed or invented identities), which shows only in its rates: few visits per staff-day,
  few clients per staff member, a staff list that is new every week;
* honest look-alikes that a careless rule would flag: a night patrol with many short visits, a
  rural supplier with long drives, a one-week digital-lock outage, double staffing, a relative
  employed openly, and the large supplier itself;
* honest untidiness at some ordinary suppliers (`noise`): long days, split shifts, registrations
  forgotten and typed in days later, a part-timer shared by two suppliers, a switch to digital
  locks halfway through.

Client ids are 12-digit personnummer whose check digit is deliberately wrong, so they can never
belong to a real person. Timestamps carry an explicit UTC offset, so the hour that happens twice
on the autumn DST night is unambiguous. Generation is O(visits) and deterministic: the same
arguments give byte-identical files (one `random.Random` per purpose, seeded from `seed`, and
no wall clock).

The modules follow the generator's stages, in the order the data flows: the supplier register
(`suppliers`), their clients and homes (`clients`, `care_plans`, `places`), client events
(`events`), routes and staff (`routes`), visits (`visits`) and how each is registered
(`recording`), door observations (`observations`) and the CSV files (`exports`). A scheme or
look-alike is planted in the stage where it shows: the supplier's role in the catalog decides
it, and each stage branches on that role.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from monitor.demo.clients import populate_clients
from monitor.demo.events import generate_client_events
from monitor.demo.exports import COLUMNS, csv_rows, write_exports
from monitor.demo.invoices import write_invoices
from monitor.demo.municipality import Municipality
from monitor.demo.noise import share_staff
from monitor.demo.observations import generate_observations
from monitor.demo.registers import REGISTER_SCHEMES, plan_registers, write_permits, write_registry
from monitor.demo.routes import build_routes
from monitor.demo.suppliers import LOOK_ALIKES, UNCOVERED_SCHEMES, register_suppliers
from monitor.demo.suppliers import SCHEMES as VISIT_SCHEMES
from monitor.demo.visits import generate_visits

# The visit schemes (suppliers.py), then the register and invoice ones (registers.py, invoices.py).
SCHEMES = (*VISIT_SCHEMES, *REGISTER_SCHEMES)

# The autumn DST change (2026-10-25) falls inside the four default weeks, on purpose.
DEFAULT_START = date(2026, 10, 5)


@dataclass(frozen=True)
class DemoDataset:
    directory: Path
    files: dict[str, Path]  # kind -> file, in import order
    planted: dict[str, str]  # org_number -> scheme name
    honest_largest: str  # org_number of the largest supplier, which is honest
    look_alikes: dict[str, str]  # org_number -> honest look-alike role (large, night_patrol, rural ...)
    start: date  # first day of visits (a Monday)
    weeks: int
    # org_number -> register or billing look-alike (name_change ...), on suppliers in look_alikes too
    register_look_alikes: dict[str, str] = field(default_factory=dict)


def generate_municipality(
    directory: Path,
    seed: int = 2026,
    weeks: int = 4,
    scale: float = 1.0,
    start: date | None = None,
    schemes: Collection[str] | None = None,
) -> DemoDataset:
    """Write a synthetic municipality's exports as canonical CSV files into `directory`.

    `scale` multiplies clients (and so staff and visits); below 1 it also drops ordinary honest
    suppliers, keeping at least twenty: the large one, the fourteen schemes and the
    look-alikes. `schemes` plants only those schemes (the other scheme suppliers run honestly).
    Raises ValueError for a `start` that is not a Monday or an unknown scheme.
    """
    start = start or DEFAULT_START
    if start.weekday() != 0:
        raise ValueError(f"start must be a Monday, got {start.isoformat()} ({start:%A})")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    unknown = sorted(set(schemes or ()) - set(SCHEMES))
    if unknown:
        raise ValueError(f"unknown scheme(s) {', '.join(unknown)}; schemes: {', '.join(SCHEMES)}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = {kind: directory / f"{kind}.csv" for kind in COLUMNS}  # COLUMNS is in import order
    town = Municipality(seed, weeks, scale, start)
    register_suppliers(town, schemes)
    populate_clients(town)
    event_rows = generate_client_events(town)
    for supplier in town.suppliers:
        build_routes(town, supplier)
    share_staff(town)
    with csv_rows(files["visits"], "visits") as write_row:
        by_entrance = generate_visits(town, write_row)
    observation_rows = generate_observations(town, by_entrance)
    write_exports(files, town.suppliers, event_rows, observation_rows)
    registers = plan_registers(town, schemes)
    for kind in ("registry", "permits", "invoices"):
        files[kind] = directory / f"{kind}.csv"
    write_registry(files["registry"], town, registers)
    write_permits(files["permits"], town)
    write_invoices(files["invoices"], files["visits"], town, registers)
    return DemoDataset(
        directory=directory,
        files=files,
        planted={**{s.org: s.role for s in town.suppliers if s.role in SCHEMES}, **registers.planted},
        honest_largest=town.suppliers[0].org,
        look_alikes={s.org: s.role for s in town.suppliers if s.role in LOOK_ALIKES},
        start=start,
        weeks=weeks,
        register_look_alikes=registers.look_alikes,
    )


__all__ = ["LOOK_ALIKES", "SCHEMES", "UNCOVERED_SCHEMES", "DemoDataset", "generate_municipality"]
