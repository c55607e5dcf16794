"""Where the clients live: the areas, their streets and entrances, and the driving time between homes."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.addresses import address_key, haversine_m

if TYPE_CHECKING:
    from monitor.demo.clients import Client

# Straight-line distance understates the road; 25 km/h is town driving with lights and queues.
ROAD_FACTOR = 1.3
SPEED_KMH = 25.0
PARKING_MIN = 2

LAT_BOUNDS = (59.160, 59.295)
LON_BOUNDS = (17.875, 18.125)


@dataclass(frozen=True)
class Area:
    name: str
    lat: float
    lon: float
    spread: float  # degrees of latitude; longitude spread is twice this (about the same km here)
    streets: tuple[str, ...]
    flats: float  # share of addresses in apartment blocks, written with "lgh NNNN"
    rural: bool = False


AREAS = {
    a.name: a
    for a in (
        Area("Flemingsberg", 59.2190, 17.9470, 0.004,
             ("Diagnosvägen", "Regulatorvägen", "Kontrollvägen", "Reflexvägen", "Flemingsbergsvägen"), 0.85),
        Area("Visättra", 59.2110, 17.9620, 0.003,
             ("Visättravägen", "Röntgenvägen", "Hälsovägen", "Ängsnäckevägen"), 0.7),
        Area("Huddinge centrum", 59.2370, 17.9830, 0.004,
             ("Kommunalvägen", "Patron Pehrs väg", "Sjödalsvägen", "Gymnasievägen", "Lövängsvägen",
              "Stortorpsvägen"), 0.6),
        Area("Sjödalen", 59.2440, 17.9690, 0.003,
             ("Fullerstavägen", "Häggvägen", "Lindvägen", "Tomtbergavägen"), 0.4),
        Area("Stuvsta", 59.2530, 17.9980, 0.004,
             ("Stuvstavägen", "Loviselundsvägen", "Vistavägen", "Länkvägen", "Solgårdsvägen"), 0.3),
        Area("Snättringe", 59.2600, 17.9750, 0.003,
             ("Snättringevägen", "Tomtberga allé", "Kungsfiskarvägen", "Skogsvägen"), 0.2),
        Area("Segeltorp", 59.2760, 17.9340, 0.004,
             ("Segeltorpsvägen", "Storvretsvägen", "Häradsvägen", "Mellanvägen", "Vårdvägen"), 0.15),
        Area("Vårby", 59.2670, 17.8860, 0.003,
             ("Vårby allé", "Vårbyvägen", "Ekebyvägen", "Solstrålevägen"), 0.7),
        Area("Glömsta", 59.2470, 17.9450, 0.003, ("Glömstavägen", "Kästavägen", "Ebbadalsvägen"), 0.2),
        Area("Balingsnäs", 59.2300, 18.0500, 0.004,
             ("Trångsundsvägen", "Balingsnäsvägen", "Källbrinksvägen", "Myrstuguvägen"), 0.3),
        Area("Södra landsbygden", 59.1880, 18.0150, 0.022,
             ("Gladövägen", "Ågestavägen", "Sundbyvägen", "Orlångsjövägen", "Paradisvägen",
              "Gladö kvarnväg"), 0.0, rural=True),
        # Huddinge's far south-east corner: the phantom night route pairs it with Vårby.
        Area("Lissma", 59.1690, 18.1000, 0.002, ("Lissmavägen", "Lissma gårdsväg"), 0.0, rural=True),
    )
}
URBAN = tuple(n for n, a in AREAS.items() if not a.rural)


class Places:
    """Streets laid out on first use, and every entrance handed out so far.

    No two homes share a street door unless a scheme puts them behind one on purpose.
    """

    def __init__(self) -> None:
        self.entrances: set[str] = set()
        self._streets: dict[tuple[str, str], tuple[float, float, float, float]] = {}

    def _street(self, area: Area, street: str, rng: random.Random) -> tuple[float, float, float, float]:
        key = (area.name, street)
        if key not in self._streets:
            angle = rng.uniform(0, math.pi)
            self._streets[key] = (
                area.lat + rng.uniform(-area.spread, area.spread),
                area.lon + rng.uniform(-2 * area.spread, 2 * area.spread),
                # About a kilometre end to end: some 8 m of street per house number.
                math.sin(angle) * 0.009,
                math.cos(angle) * 0.018,
            )
        return self._streets[key]

    def address(self, area: Area, rng: random.Random) -> tuple[str, float, float]:
        tries = 0
        while True:
            # A large demo fills an area's doors: let its streets grow longer rather than loop forever.
            longer = 40 * (tries // 25)
            tries += 1
            street = rng.choice(area.streets)
            if area.rural:
                number = rng.randint(2, 420 + longer)
                lat = area.lat + rng.uniform(-area.spread, area.spread)
                lon = area.lon + rng.uniform(-2 * area.spread, 2 * area.spread)
            else:
                number = rng.randint(1, 140 + longer)
                s_lat, s_lon, d_lat, d_lon = self._street(area, street, rng)
                along = number / 140 - 0.5
                lat = s_lat + along * d_lat + rng.uniform(-0.0003, 0.0003)
                lon = s_lon + along * d_lon + rng.uniform(-0.0006, 0.0006)
            letter = f" {rng.choice('AB')}" if rng.random() < area.flats * 0.3 else ""
            entrance = f"{street} {number}{letter}"
            key = address_key(entrance)
            if key in self.entrances:
                continue
            self.entrances.add(key)
            text = entrance
            if rng.random() < area.flats:
                text += f", lgh {rng.randint(11, 16)}{rng.randint(1, 5):02d}"
            lat = min(max(lat, LAT_BOUNDS[0]), LAT_BOUNDS[1])
            lon = min(max(lon, LON_BOUNDS[0]), LON_BOUNDS[1])
            return text, round(lat, 6), round(lon, 6)


class Travel:
    """Minutes from one client's home to another's; cached, since routes and visits ask for the same pairs."""

    def __init__(self) -> None:
        self._minutes: dict[tuple[int, int], int] = {}

    def minutes(self, a: Client, b: Client) -> int:
        key = (a.idx, b.idx)
        minutes = self._minutes.get(key)
        if minutes is None:
            metres = haversine_m(a.lat, a.lon, b.lat, b.lon)
            # Same entrance: walk up the stairs; otherwise drive, then find parking.
            minutes = 1 if metres < 60 else PARKING_MIN + math.ceil(
                metres * ROAD_FACTOR / 1000 / SPEED_KMH * 60)
            self._minutes[key] = minutes
        return minutes
