"""Client events: hospital stays, deaths and moves, during which honest suppliers plan no visits.

The visit_during_absence scheme is planted here too: its supplier keeps billing for a client in
hospital and for one who has died, and respects a third client's stay as cover.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.demo.clients import Client
    from monitor.demo.clock import Clock
    from monitor.demo.municipality import Municipality
    from monitor.demo.suppliers import Supplier

NO_END = 1 << 40  # an open-ended absence (death, move) lasts "forever" in minutes

# (sort key in epoch minutes, client id, CSV row)
EventRow = tuple[int, str, list[str]]


def generate_client_events(town: Municipality) -> list[EventRow]:
    """Record events on the clients (as absences) and return them as rows for client-events.csv."""
    rng = town.rng("events")
    at = town.clock.at
    days = town.days
    log = _EventLog(town.clock)
    quiet = {"door_observation", "staff_overlap", "visit_during_absence", "relative_caregiver",
             "phantom_night"}
    eligible = [c for s in town.suppliers if s.role not in quiet for c in s.clients if not c.special]
    period = town.weeks / 4
    hospital = max(2, round(0.06 * len(eligible) * period))
    deaths = max(1, round(0.007 * len(eligible) * period))
    moves = max(1, round(0.005 * len(eligible) * period))
    chosen = rng.sample(eligible, min(len(eligible), hospital + deaths + moves))
    for client in chosen[:hospital]:
        first = rng.randint(-3, days - 2)
        admitted = at(first, rng.randint(8 * 60, 21 * 60))
        last = first + rng.randint(2, 10)
        discharged = at(last, rng.randint(10 * 60, 16 * 60))
        if last >= days and rng.random() < 0.5:
            discharged = NO_END  # still in hospital when the export was taken
        log.add(client, "hospitalized", admitted, discharged)
    for client in chosen[hospital: hospital + deaths]:
        log.add(client, "deceased", rng.randint(1, days - 1))
    for client in chosen[hospital + deaths:]:
        log.add(client, "moved_out", rng.randint(1, days - 1))
    absence = next((s for s in town.suppliers if s.role == "visit_during_absence"), None)
    if absence:
        _plant_absences(log, days, absence, rng)
    return log.rows


class _EventLog:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.rows: list[EventRow] = []

    def add(self, client: Client, event: str, start: int, end: int = NO_END) -> None:
        """Hospital stays are exact instants; deaths and moves are calendar days (start = day index)."""
        if event == "hospitalized":
            until = "" if end == NO_END else self.clock.text(end)
            row = [client.client_id, event, self.clock.text(start), until]
            client.absences.append((start, end))
            sort_key = start
        else:
            day = self.clock.start + timedelta(days=start)
            sort_key = self.clock.at(start, 0)
            row = [client.client_id, event, day.isoformat(), ""]
            client.absences.append((sort_key, NO_END))
        self.rows.append((sort_key, client.client_id, row))


def _plant_absences(log: _EventLog, days: int, supplier: Supplier, rng: random.Random) -> None:
    """Keep billing a hospitalised client and a dead one; respect one other stay, as cover."""
    at = log.clock.at
    busiest = sorted(supplier.clients, key=lambda c: -sum(n.per_week() for n in c.needs))
    in_hospital, dead, honest = busiest[0], busiest[1], busiest[-1]
    first = max(1, days * 3 // 10)
    log.add(in_hospital, "hospitalized", at(first, rng.randint(9 * 60, 20 * 60)),
            at(first + rng.randint(4, 6), rng.randint(10 * 60, 15 * 60)))
    log.add(dead, "deceased", max(2, days * 55 // 100))
    log.add(honest, "hospitalized", at(max(0, days // 2), 14 * 60 + 5),
            at(max(0, days // 2) + 3, 11 * 60 + 30))
    in_hospital.honest_about_absence = False
    dead.honest_about_absence = False
