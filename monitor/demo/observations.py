"""Door observations by the follow-up team: planted contradictions, witnessed visits and quiet doors.

The door_observation scheme gets windows in which nobody was seen while 1-3 visits were
registered at that door. Honest suppliers get observations during real visits, and one window
with nobody seen and nothing registered, which must not raise an alert.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from monitor.addresses import haversine_m

if TYPE_CHECKING:
    from monitor.demo.clients import Client
    from monitor.demo.municipality import Municipality
    from monitor.demo.suppliers import Supplier
    from monitor.demo.visits import ByEntrance

# A door-observation rule may match visits by distance as well as by address (40 m by default);
# windows are chosen so that no other entrance within this distance has a visit in them.
NEIGHBOUR_METRES = 60.0
# Starts and ends this close to a window's edges might have been missed by the observer.
EDGE_MINUTES = 3

# Observers write "Diagnosvägen 12A" where the visit export has "Diagnosvägen 12 A, lgh 1102".
_HOUSE_LETTER = re.compile(r" ([A-Z])$")
_OBSERVERS = ("AL, CD", "EK, JL", "MS, AH", "LN, PO", "KW, SB", "HF, TÅ")
_NOTES_UNSEEN = (
    "Ingen personal sågs gå in eller ut genom porten under observationen.",
    "Ingen personal observerades vid entrén. Inga av utförarens bilar på parkeringen.",
    "Fri sikt mot porten hela tiden. Ingen personal sågs.",
)


def generate_observations(town: Municipality, by_entrance: ByEntrance) -> list[list[str]]:
    """Rows for observations.csv, in time order, matched against the visits already registered."""
    return _Observer(town, by_entrance).observe()


class _Observer:
    def __init__(self, town: Municipality, by_entrance: ByEntrance) -> None:
        self.town = town
        self.days = town.days
        self.weeks = town.weeks
        self.clock = town.clock
        self.suppliers = town.suppliers
        self.by_entrance = by_entrance
        self._grid: dict[tuple[int, int], list[Client]] = {}

    def observe(self) -> list[list[str]]:
        rng = self.town.rng("observations")
        rows: list[tuple[int, list[str]]] = []
        scheme = next((s for s in self.suppliers if s.role == "door_observation"), None)
        if scheme:
            rows += self._contradicted(scheme, rng)
        honest = [s for s in self.suppliers if s.role in ("large", "honest", "outage", "double", "rural")]
        count = max(4, round(11 * self.weeks / 4))
        for k in range(count):
            supplier = self.suppliers[0] if k % 3 == 0 else rng.choice(honest)
            day = min(self.days - 1, int((k + rng.random()) * self.days / count))
            row = self._witnessed(supplier, day, rng)
            if row:
                rows.append(row)
        quiet = self._quiet(honest, rng)
        if quiet:
            rows.append(quiet)
        rows.sort(key=lambda r: r[0])
        return [[f"PO{n:04d}", *row] for n, (_, row) in enumerate(rows, start=1)]

    def _window_rows(
        self, client: Client, start: int, end: int, seen: bool, note: str, rng: random.Random,
        address: str | None = None,
    ) -> tuple[int, list[str]]:
        observer = f"Uppföljningsteamet ({rng.choice(_OBSERVERS)})"
        return start, [
            address or client.address.split(",")[0], client.lat_text, client.lon_text,
            self.clock.text(start), self.clock.text(end), "ja" if seen else "nej", observer, note,
        ]

    def _visits_on(self, key: str, day: int) -> list[tuple[int, int, int]]:
        lo, hi = self.clock.at(day, 7 * 60), self.clock.at(day, 21 * 60)
        return sorted(v for v in self.by_entrance.get(key, ()) if lo <= v[0] < hi)

    def _contradicted(self, supplier: Supplier, rng: random.Random) -> list[tuple[int, list[str]]]:
        """Observations with nobody seen, while 1-3 visits were registered at that door."""
        shared = next(c for c in supplier.clients if c.key == supplier.shared_entrance)
        others = [c for c in supplier.clients if c.key != supplier.shared_entrance]
        # A door with a few visits a day: someone would surely have been seen.
        busy = [c for c in others if sum(n.per_week() for n in c.needs) >= 14]
        other = rng.choice(busy or others)
        plan = [(shared, 0.25), (other, 0.55), (shared, 0.8)]
        rows = []
        for client, fraction in plan:
            for attempt in range(self.days):
                day = (int(self.days * fraction) + attempt) % self.days
                window = self._contradicting_window(client, day, rng)
                if window:
                    # Written as the entrance the observer watched, without the flat number.
                    entrance = _HOUSE_LETTER.sub(r"\1", client.address.split(",")[0])
                    note = rng.choice(_NOTES_UNSEEN)
                    rows.append(self._window_rows(client, *window, False, note, rng, address=entrance))
                    break
        return rows

    def _neighbour_visits(self, client: Client) -> list[tuple[int, int, int]]:
        """Visits at other entrances close enough that a rule matching by distance sees them too."""
        if not self._grid:
            for c in (c for s in self.suppliers for c in s.clients):
                self._grid.setdefault(_cell(c), []).append(c)
        row, col = _cell(client)
        keys = {
            c.key for dr in (-1, 0, 1) for dc in (-1, 0, 1) for c in self._grid.get((row + dr, col + dc), ())
            if c.key != client.key and haversine_m(client.lat, client.lon, c.lat, c.lon) < NEIGHBOUR_METRES
        }
        return [v for key in sorted(keys) for v in self.by_entrance.get(key, ())]

    def _contradicting_window(
        self, client: Client, day: int, rng: random.Random
    ) -> tuple[int, int] | None:
        """A window in which 1-3 visits clearly start or end, and nothing else happens nearby."""
        visits = self.by_entrance.get(client.key, [])
        neighbours = self._neighbour_visits(client)
        candidates = self._visits_on(client.key, day)
        rng.shuffle(candidates)
        for r_start, _, _ in candidates:
            start = (r_start - rng.randint(5, 35)) // 5 * 5
            end = start + rng.choice((60, 75, 90, 105, 120))
            inner = range(start + EDGE_MINUTES, end - EDGE_MINUTES + 1)
            near = [v for v in visits if v[0] < end + 5 and start - 5 < v[1]]
            clear = [v for v in near if v[0] in inner or v[1] in inner]
            if (
                1 <= len(clear) <= 3
                and len(clear) == len(near)  # none spans the window or grazes its edges
                and not any(v[0] < end + 5 and start - 5 < v[1] for v in neighbours)
            ):
                return start, end
        return None

    def _witnessed(self, supplier: Supplier, day: int, rng: random.Random) -> tuple[int, list[str]] | None:
        """An observation during a real visit: staff seen going in and out."""
        clients = [c for c in supplier.clients if not c.double]
        hhmm = self.clock.hhmm
        for _ in range(40):
            client = rng.choice(clients)
            visits = self._visits_on(client.key, day)
            if not visits:
                continue
            r_start, r_end, _ = rng.choice(visits)
            start = (r_start - rng.randint(10, 40)) // 5 * 5
            end = start + max(60, min(120, (r_end - start + 14) // 5 * 5))
            seen = []
            for s, e, _ in visits:
                if s < end and start < e:
                    went_in = f"gick in kl. {hhmm(s)}" if s >= start else "var redan inne"
                    came_out = f"kom ut kl. {hhmm(e)}" if e <= end else "var kvar när observationen slutade"
                    seen.append(f"Personal {went_in} och {came_out}.")
            return self._window_rows(client, start, end, True, " ".join(seen), rng)
        return None

    def _quiet(self, suppliers: list[Supplier], rng: random.Random) -> tuple[int, list[str]] | None:
        """Nobody seen and nothing registered: an observation that must not raise an alert."""
        clients = [c for s in suppliers for c in s.clients]
        for _ in range(200):
            client = rng.choice(clients)
            day = rng.randrange(self.days)
            start = self.clock.at(day, rng.choice((9, 13, 14)) * 60)
            end = start + 90
            around = self.by_entrance.get(client.key, []) + self._neighbour_visits(client)
            if not any(s < end + 15 and start - 15 < e for s, e, _ in around):
                note = "Ingen personal sågs. Inga besök planerade under observationen."
                return self._window_rows(client, start, end, False, note, rng)
        return None


def _cell(client: Client) -> tuple[int, int]:
    """A grid cell of about 110 x 110 m, larger than NEIGHBOUR_METRES."""
    return int(client.lat / 0.001), int(client.lon / 0.002)
