"""The clients: ids that can never be real, homes, care plans, and which supplier serves whom.

Most suppliers get clients drawn from their areas with a care plan by level of need. Some
planted schemes need a particular household: a senior housing block behind one street door
(door_observation), clients at opposite corners of the municipality (phantom_night), clients
cared for by a relative the supplier employs (relative_caregiver, and its honest twin), heavy
clients with carers hired for them alone (single_client_staff), and neighbours who need care
day and night, on one route registered under one staff id (round_the_clock).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from stdnum import luhn

from monitor.addresses import address_key, haversine_m
from monitor.demo.care_plans import Need, care_level, care_plan, is_heavy, make_need, night_plan, support_plan
from monitor.demo.places import AREAS

if TYPE_CHECKING:
    from monitor.demo.municipality import Municipality
    from monitor.demo.suppliers import Supplier

# Phantom night visits are this far apart, yet registered minutes apart.
PHANTOM_MIN_METRES = 15_500.0


@dataclass(slots=True)
class Client:
    idx: int
    client_id: str
    address: str
    key: str  # address_key: the entrance an observer watches
    lat: float
    lon: float
    needs: list[Need]
    method: str  # how visits are usually registered at this home
    double: bool = False
    phantom: bool = False  # served by the phantom night route
    special: bool = False  # served by a route of its own (relative, dedicated, round the clock)
    honest_about_absence: bool = True
    absences: list[tuple[int, int]] = field(default_factory=list)  # [start, end) in epoch minutes
    load: dict[str, list[int]] = field(default_factory=dict)  # slot -> minutes per weekday

    @property
    def lat_text(self) -> str:
        return f"{self.lat:.6f}"

    @property
    def lon_text(self) -> str:
        return f"{self.lon:.6f}"

    def absent(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.absences)


def populate_clients(town: Municipality) -> None:
    intake = _Intake(town)
    for supplier in town.suppliers[1:]:
        intake.populate(supplier)
    # Size the large supplier from the rest, so it carries about a quarter at any scale.
    others = sum(n.per_week() for s in town.suppliers[1:] for c in s.clients for n in c.needs)
    intake.populate(town.suppliers[0], target_per_week=others / 3)


class _Intake:
    """Takes clients on; ids and indexes are unique over the whole municipality, not per supplier."""

    def __init__(self, town: Municipality) -> None:
        self.town = town
        self._client_ids: set[str] = set()
        self._next_client = 0

    def _client_id(self, rng: random.Random) -> str:
        while True:
            born = date(1925, 1, 1) + timedelta(days=rng.randrange(13149))  # to 1960-12-31
            serial = f"{rng.randrange(1, 1000):03d}"
            short = born.strftime("%y%m%d") + serial
            # Off by 1-9 from the Luhn digit: never a valid (so never a real) personnummer.
            wrong = (int(luhn.calc_check_digit(short)) + rng.randint(1, 9)) % 10
            client_id = f"{born:%Y%m%d}-{serial}{wrong}"
            if client_id not in self._client_ids:
                self._client_ids.add(client_id)
                return client_id

    def _client(
        self, supplier: Supplier, rng: random.Random, needs: list[Need],
        place: tuple[str, float, float] | None = None, area: str | None = None,
    ) -> Client:
        text, lat, lon = place or self.town.places.address(AREAS[area or rng.choice(supplier.spec.areas)], rng)
        nfc, lock, _app = supplier.spec.methods
        r = rng.random()
        method = "nfc" if r < nfc else "digital_lock" if r < nfc + lock else "app"
        client_id = self._client_id(rng)
        client = Client(self._next_client, client_id, text, address_key(text), lat, lon, needs, method)
        self._next_client += 1
        for need in needs:
            per_day = client.load.setdefault(need.slot, [0] * 7)
            for weekday in need.days:
                per_day[weekday] += need.minutes + need.slack
        supplier.clients.append(client)
        return client

    def populate(self, supplier: Supplier, target_per_week: float = 0.0) -> None:
        rng = self.town.rng(f"clients:{supplier.no}")
        role = supplier.role
        if role == "large":
            total = 0.0
            while total < target_per_week:
                client = self._client(supplier, rng, care_plan(rng, care_level(rng), night_share=0.3))
                total += sum(n.per_week() for n in client.needs)
            heavy = [c for c in supplier.clients if is_heavy(c)]
            for client in heavy[: max(2, len(heavy) // 30)]:
                client.double = True
            return
        n = max(supplier.spec.min_clients, round(supplier.spec.clients * self.town.scale))
        if role == "phantom_night":
            self._populate_phantom(supplier, rng, n)
            return
        if role == "door_observation":
            # A senior housing block: three clients behind one street door, one lgh each.
            text, lat, lon = self.town.places.address(AREAS["Flemingsberg"], rng)
            entrance = text.split(",")[0]
            if not entrance[-1].isalpha():
                entrance += " A"
            supplier.shared_entrance = address_key(entrance)
            self.town.places.entrances.add(supplier.shared_entrance)
            for flat in ("1102", "1204", "1303"):
                self._client(supplier, rng, care_plan(rng, "heavy"), (f"{entrance}, lgh {flat}", lat, lon))
        if role in ("relative_caregiver", "honest_relative"):
            self._populate_relatives(supplier, rng)
        if role == "single_client_staff":
            # "Objektsanställning": a third of the clients each get carers employed for them alone.
            for _ in range(max(3, n // 3)):
                client = self._client(supplier, rng, care_plan(rng, "heavy"))
                client.special = True
                supplier.own_routes.append(("dedicated", [client]))
        if role == "round_the_clock":
            # Five neighbours with heavy day and night care, on one route that never stops.
            area = supplier.spec.areas[0]
            group = [self._client(supplier, rng, care_plan(rng, "heavy") + night_plan(rng), area=area)
                     for _ in range(5)]
            for client in group:
                client.special = True
            supplier.own_routes.append(("round_the_clock", group))
        while len(supplier.clients) < n:
            if role == "night_patrol":
                needs = night_plan(rng)
            elif role == "boendestod":
                needs = support_plan(rng, "boendestöd", (45, 60))
            elif role == "lss":
                needs = support_plan(rng, "ledsagning", (60,))
            else:
                needs = care_plan(rng, care_level(rng))
            self._client(supplier, rng, needs)
        if role == "double":
            heavy = [c for c in supplier.clients if is_heavy(c)]
            for client in heavy[: max(2, len(heavy) // 6)]:
                client.double = True

    def _populate_phantom(self, supplier: Supplier, rng: random.Random, n: int) -> None:
        """Clients in Vårby and in Lissma, the municipality's opposite corners, 15+ km apart."""
        clusters: dict[str, list[Client]] = {"Vårby": [], "Lissma": []}
        for i in range(n):
            area = ("Vårby", "Lissma")[i % 2]
            other = clusters["Lissma" if area == "Vårby" else "Vårby"]
            while True:
                place = self.town.places.address(AREAS[area], rng)
                if all(haversine_m(place[1], place[2], c.lat, c.lon) > PHANTOM_MIN_METRES for c in other):
                    break
            night = i < 6
            needs = care_plan(rng, "medium")
            if night:
                needs += [make_need(rng, "night_a", 10, "nattillsyn"), make_need(rng, "night_b", 10, "nattillsyn")]
            client = self._client(supplier, rng, needs, place)
            client.phantom = night
            clusters[area].append(client)

    def _populate_relatives(self, supplier: Supplier, rng: random.Random) -> None:
        """Clients cared for by a relative employed for them ("anhöriganställning")."""
        area = AREAS[supplier.spec.areas[0]]
        if supplier.role == "honest_relative":
            client = self._client(supplier, rng, care_plan(rng, "medium"), area=area.name)
            client.special = True
            supplier.relative_groups.append(([client], None))
            return
        single = self._client(supplier, rng, care_plan(rng, "heavy"), area=area.name)
        # An elderly couple at one address, both cared for by their son or daughter.
        place = self.town.places.address(area, rng)
        husband = self._client(supplier, rng, [
            make_need(rng, "morning", 30, "omvårdnad"), make_need(rng, "evening", 30, "omvårdnad")], place)
        wife = self._client(supplier, rng, [
            make_need(rng, "morning", 30, "omvårdnad"), make_need(rng, "lunch", 30, "måltid"),
            make_need(rng, "evening", 30, "omvårdnad")], place)
        for client in (single, husband, wife):
            client.special = True
        supplier.relative_groups.append(([single], (2.6, 4.0)))
        supplier.relative_groups.append(([husband, wife], (2.0, 3.0)))
