"""A synthetic municipality for `monitor demo`: seeded, realistic CSV exports with planted schemes.

The demo must show the whole pipeline on data that looks like a real municipality's exports
without containing a single real person. `generate_municipality` writes the five import files
(suppliers, staff, visits, door observations, client events) in the canonical column names:

* about 36 contracted suppliers of very different sizes: one large honest supplier with about a
  quarter of all visits, a few medium ones, many small ones with 2-6 staff;
* clients with care plans (morning care, meals, showers, cleaning, night checks) served by staff
  routes: each route drives its clients one after another, with travel time that follows the
  distance, in day (07-16), evening (15-22) and night shifts;
* hospital stays, deaths and moves, during which honest suppliers plan no visits;
* door observations by the follow-up team;
* seven planted welfare-crime schemes at seven different suppliers (`DemoDataset.planted`), and
  honest look-alikes that a careless rule would flag: a night patrol with many short visits, a
  rural supplier with long drives, a one-week digital-lock outage, double staffing.

Client ids are 12-digit personnummer whose check digit is deliberately wrong, so they can never
belong to a real person. Timestamps carry an explicit UTC offset, so the hour that happens twice
on the autumn DST night is unambiguous. Generation is O(visits) and deterministic: the same
arguments give byte-identical files (one `random.Random` per purpose, seeded from `seed`, and
no wall clock).
"""

from __future__ import annotations

import csv
import math
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from stdnum import luhn

from monitor.addresses import address_key, haversine_m
from monitor.timestamps import STOCKHOLM

# The autumn DST change (2026-10-25) falls inside the four default weeks, on purpose.
DEFAULT_START = date(2026, 10, 5)
BASE_SUPPLIERS = 36
MIN_SUPPLIERS = 12

COLUMNS: dict[str, tuple[str, ...]] = {
    "suppliers": (
        "org_number", "name", "aliases", "contract_area", "contract_form", "subcategory",
        "contract_start", "contract_end",
    ),
    "staff": ("staff_id", "supplier_org_number", "relative_of_client_ids"),
    "visits": (
        "visit_id", "supplier_org_number", "staff_id", "client_id", "address", "latitude",
        "longitude", "planned_start", "planned_end", "registered_start", "registered_end",
        "registration_method", "service_type", "device_id", "recorded_at", "decided_minutes",
    ),
    "observations": (
        "observation_id", "address", "latitude", "longitude", "observed_from", "observed_to",
        "staff_seen", "observer", "note",
    ),
    "client-events": ("client_id", "event", "start", "end"),
}

SCHEMES = (
    "door_observation",
    "staff_overlap",
    "visit_during_absence",
    "relative_caregiver",
    "exact_planned_times",
    "manual_registration",
    "phantom_night",
)

# Straight-line distance understates the road; 25 km/h is town driving with lights and queues.
ROAD_FACTOR = 1.3
SPEED_KMH = 25.0
PARKING_MIN = 2
# Phantom night visits are this far apart, yet registered minutes apart.
PHANTOM_MIN_METRES = 15_500.0
# A door-observation rule may match visits by distance as well as by address (40 m by default);
# windows are chosen so that no other entrance within this distance has a visit in them.
NEIGHBOUR_METRES = 60.0
# Starts and ends this close to a window's edges might have been missed by the observer.
EDGE_MINUTES = 3

LAT_BOUNDS = (59.160, 59.295)
LON_BOUNDS = (17.875, 18.125)
NO_END = 1 << 40  # an open-ended absence (death, move) lasts "forever" in minutes

ALL_DAYS = frozenset(range(7))
WEEKDAYS = (0, 1, 2, 3, 4)

# (slot, day offset from the shift's day, local start minute); a shift's rounds run in order.
Round = tuple[str, int, int]
DAY_ROUNDS: tuple[Round, ...] = (
    ("morning", 0, 7 * 60),
    ("late_morning", 0, 10 * 60 + 35),
    ("lunch", 0, 11 * 60 + 30),
    ("afternoon", 0, 13 * 60 + 45),
)
EVENING_ROUNDS: tuple[Round, ...] = (("dinner", 0, 16 * 60), ("evening", 0, 18 * 60 + 45))
NIGHT_ROUNDS: tuple[Round, ...] = (
    ("night_a", 0, 22 * 60 + 15),
    ("night_b", 1, 1 * 60 + 30),  # runs through 02:00-03:00, twice on the DST night
    ("night_c", 1, 4 * 60 + 15),
)
# Boendestöd and LSS staff work office hours with longer visits.
SUPPORT_ROUNDS: tuple[Round, ...] = (("support_am", 0, 9 * 60), ("support_pm", 0, 13 * 60))
ROUNDS = {
    "day": DAY_ROUNDS,
    "support": SUPPORT_ROUNDS,
    "evening": EVENING_ROUNDS,
    "night": NIGHT_ROUNDS,
    "relative": DAY_ROUNDS + EVENING_ROUNDS,
    "phantom": NIGHT_ROUNDS[:2],
}
# Minutes of visiting plus driving a round may hold; beyond it a new route is opened.
ROUND_CAPACITY = {
    "morning": 210, "late_morning": 75, "lunch": 90, "afternoon": 120,
    "dinner": 120, "evening": 180, "night_a": 140, "night_b": 140, "night_c": 140,
    "support_am": 150, "support_pm": 180,
}
_ZERO_WEEK = (0,) * 7
SHIFT_SLOTS = {kind: tuple(r[0] for r in rounds) for kind, rounds in ROUNDS.items()}


@dataclass(frozen=True)
class DemoDataset:
    directory: Path
    files: dict[str, Path]  # kind -> file, in import order
    planted: dict[str, str]  # org_number -> scheme name
    honest_largest: str  # org_number of the largest supplier, which is honest
    start: date  # first day of visits (a Monday)
    weeks: int


# --- geography -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Area:
    name: str
    lat: float
    lon: float
    spread: float  # degrees of latitude; longitude spread is twice this (about the same km here)
    streets: tuple[str, ...]
    flats: float  # share of addresses in apartment blocks, written with "lgh NNNN"
    rural: bool = False


_AREAS = {
    a.name: a
    for a in (
        _Area("Flemingsberg", 59.2190, 17.9470, 0.004,
              ("Diagnosvägen", "Regulatorvägen", "Kontrollvägen", "Reflexvägen", "Flemingsbergsvägen"), 0.85),
        _Area("Visättra", 59.2110, 17.9620, 0.003,
              ("Visättravägen", "Röntgenvägen", "Hälsovägen", "Ängsnäckevägen"), 0.7),
        _Area("Huddinge centrum", 59.2370, 17.9830, 0.004,
              ("Kommunalvägen", "Patron Pehrs väg", "Sjödalsvägen", "Gymnasievägen", "Lövängsvägen",
               "Stortorpsvägen"), 0.6),
        _Area("Sjödalen", 59.2440, 17.9690, 0.003,
              ("Fullerstavägen", "Häggvägen", "Lindvägen", "Tomtbergavägen"), 0.4),
        _Area("Stuvsta", 59.2530, 17.9980, 0.004,
              ("Stuvstavägen", "Loviselundsvägen", "Vistavägen", "Länkvägen", "Solgårdsvägen"), 0.3),
        _Area("Snättringe", 59.2600, 17.9750, 0.003,
              ("Snättringevägen", "Tomtberga allé", "Kungsfiskarvägen", "Skogsvägen"), 0.2),
        _Area("Segeltorp", 59.2760, 17.9340, 0.004,
              ("Segeltorpsvägen", "Storvretsvägen", "Häradsvägen", "Mellanvägen", "Vårdvägen"), 0.15),
        _Area("Vårby", 59.2670, 17.8860, 0.003,
              ("Vårby allé", "Vårbyvägen", "Ekebyvägen", "Solstrålevägen"), 0.7),
        _Area("Glömsta", 59.2470, 17.9450, 0.003, ("Glömstavägen", "Kästavägen", "Ebbadalsvägen"), 0.2),
        _Area("Balingsnäs", 59.2300, 18.0500, 0.004,
              ("Trångsundsvägen", "Balingsnäsvägen", "Källbrinksvägen", "Myrstuguvägen"), 0.3),
        _Area("Södra landsbygden", 59.1880, 18.0150, 0.022,
              ("Gladövägen", "Ågestavägen", "Sundbyvägen", "Orlångsjövägen", "Paradisvägen",
               "Gladö kvarnväg"), 0.0, rural=True),
        # Huddinge's far south-east corner: the phantom night route pairs it with Vårby.
        _Area("Lissma", 59.1690, 18.1000, 0.002, ("Lissmavägen", "Lissma gårdsväg"), 0.0, rural=True),
    )
}
_URBAN = tuple(n for n, a in _AREAS.items() if not a.rural)


@dataclass(slots=True)
class _Need:
    """One recurring visit in a care plan (a "beviljad insats" turned into a planned visit)."""

    slot: str
    minutes: int
    service: str
    days: frozenset[int]  # weekdays, 0 = Monday
    parity: int | None  # every other week: the week parity it falls on
    slack: int  # planner's margin before this visit, so schedules are not packed to the minute

    def active(self, day: int) -> bool:
        # `start` is a Monday, so the day index modulo 7 is the weekday.
        return day % 7 in self.days and (self.parity is None or (day // 7) % 2 == self.parity)

    def per_week(self) -> float:
        return len(self.days) * (0.5 if self.parity is not None else 1.0)


@dataclass(slots=True)
class _Client:
    idx: int
    client_id: str
    address: str
    key: str  # address_key: the entrance an observer watches
    lat: float
    lon: float
    needs: list[_Need]
    method: str  # how visits are usually registered at this home
    double: bool = False
    phantom: bool = False  # served by the phantom night route
    special: bool = False  # served by a dedicated (relative) route
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


@dataclass(frozen=True)
class _Spec:
    name: str
    role: str  # large | honest | night_patrol | rural | outage | double | honest_relative | <scheme>
    clients: int  # at scale 1 (the large supplier is sized from the others)
    min_clients: int
    areas: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    contract_area: str = "Hemtjänst"
    subcategory: str = "Äldreomsorg"
    form: str = "LOV"
    methods: tuple[float, float, float] = (0.5, 0.35, 0.15)  # nfc, digital_lock, app
    ends: bool = False


# The first twelve carry the planted schemes and the look-alikes, so a scaled-down demo keeps them.
_CATALOG: tuple[_Spec, ...] = (
    _Spec("Omsorgshuset i Huddinge AB", "large", 0, 0, _URBAN, ("Omsorgshuset", "Omsorgshuset Huddinge"),
          methods=(0.5, 0.4, 0.1)),
    _Spec("Flemingsbergs Hemtjänst AB", "door_observation", 16, 8, ("Flemingsberg", "Visättra"),
          ("Flemingsbergs Hemtjänst & Service",)),
    _Spec("Omtanke Hemtjänst HB", "staff_overlap", 10, 9, ("Huddinge centrum", "Stuvsta")),
    _Spec("Solrosens Omsorg AB", "visit_during_absence", 11, 6, ("Snättringe", "Stuvsta")),
    _Spec("Familjeomsorg Södertörn AB", "relative_caregiver", 8, 6, ("Glömsta", "Flemingsberg")),
    _Spec("Kärnans Hemtjänstgrupp AB", "exact_planned_times", 14, 6, ("Segeltorp", "Vårby"),
          methods=(0.1, 0.05, 0.85)),
    _Spec("Stjärnans Hemtjänst AB", "manual_registration", 70, 10,
          ("Huddinge centrum", "Sjödalen", "Stuvsta", "Balingsnäs"), ("Stjärnans Omsorg",)),
    _Spec("Nattro Omsorg HB", "phantom_night", 8, 8, ("Vårby", "Lissma")),
    _Spec("Nattpatrullen Södertörn AB", "night_patrol", 45, 10, _URBAN, ("Nattpatrullen",),
          methods=(0.2, 0.75, 0.05)),
    _Spec("Södra Huddinge Landsbygdsomsorg AB", "rural", 18, 5, ("Södra landsbygden",)),
    _Spec("Trygg Hemtjänst AB", "outage", 85, 10, ("Flemingsberg", "Huddinge centrum", "Snättringe"),
          ("Trygg Hemtjänst i Huddinge",), methods=(0.15, 0.8, 0.05)),
    _Spec("Vårdkraft Aktiebolag", "double", 75, 10, ("Segeltorp", "Vårby", "Glömsta"), ("Vårdkraft",)),
    _Spec("Södertörns Omsorgspartner AB", "honest", 65, 8, ("Visättra", "Flemingsberg", "Balingsnäs")),
    _Spec("Livskraft Hemtjänst AB", "honest", 55, 8, ("Stuvsta", "Snättringe", "Sjödalen")),
    _Spec("Hemtrevnad Omsorg Aktiebolag", "honest", 50, 8, ("Huddinge centrum", "Glömsta"),
          ("Hemtrevnad",)),
    _Spec("Medmänniskan Omsorg AB", "honest_relative", 6, 4, ("Sjödalen", "Glömsta")),
    _Spec("Stuvsta Omsorg AB", "honest", 5, 3, ("Stuvsta",)),
    _Spec("Segeltorps Hemtjänst HB", "honest", 6, 3, ("Segeltorp",)),
    _Spec("Vårby Vård & Omsorg AB", "honest", 7, 3, ("Vårby",)),
    _Spec("Trivsam Vardag i Huddinge AB", "honest", 5, 3, ("Huddinge centrum", "Sjödalen")),
    _Spec("Glädjeomsorg HB", "honest", 4, 3, ("Snättringe",)),
    _Spec("Ljuspunkten Hemtjänst AB", "honest", 6, 3, ("Flemingsberg",)),
    _Spec("Guldkanten Hemtjänst AB", "honest", 6, 3, ("Glömsta", "Segeltorp")),
    _Spec("Snättringe Hemservice HB", "honest", 5, 3, ("Snättringe", "Stuvsta")),
    _Spec("Ekbackens Omsorg AB", "honest", 6, 3, ("Balingsnäs",)),
    _Spec("Sjödalens Hemtjänst AB", "honest", 5, 3, ("Sjödalen",)),
    _Spec("Vardagshjälpen Huddinge AB", "honest", 7, 3, ("Huddinge centrum",), ("Vardagshjälpen",)),
    _Spec("Hjärtats Hemtjänst AB", "honest", 6, 3, ("Visättra", "Flemingsberg")),
    _Spec("Bikupans Omsorg HB", "honest", 4, 3, ("Vårby",)),
    _Spec("Ängsbackens Vård Aktiebolag", "honest", 6, 3, ("Stuvsta", "Balingsnäs")),
    _Spec("Seniorstöd Södertörn AB", "honest", 5, 3, ("Segeltorp", "Glömsta")),
    _Spec("Mångfaldens Hemtjänst AB", "honest", 6, 3, ("Flemingsberg", "Visättra")),
    _Spec("Kastanjens Omsorg HB", "honest", 4, 3, ("Sjödalen",), ends=True),
    _Spec("Boendestöd Södertörn AB", "boendestod", 12, 4, ("Flemingsberg", "Huddinge centrum"),
          contract_area="Boendestöd", subcategory="Funktionshinderomsorg", form="LOU", ends=True),
    _Spec("Stödpunkten Boendestöd AB", "boendestod", 9, 4, ("Stuvsta", "Vårby"),
          ("Stödpunkten",), contract_area="Boendestöd", subcategory="Funktionshinderomsorg", form="LOU",
          ends=True),
    _Spec("Lilla Hjälpen Ledsagning AB", "lss", 10, 4, _URBAN, contract_area="LSS",
          subcategory="Funktionshinderomsorg", form="direkt", ends=True),
)

# Observers write "Diagnosvägen 12A" where the visit export has "Diagnosvägen 12 A, lgh 1102".
_HOUSE_LETTER = re.compile(r" ([A-Z])$")
_OBSERVERS = ("AL, CD", "EK, JL", "MS, AH", "LN, PO", "KW, SB", "HF, TÅ")
_NOTES_UNSEEN = (
    "Ingen personal sågs gå in eller ut genom porten under observationen.",
    "Ingen personal observerades vid entrén. Inga av utförarens bilar på parkeringen.",
    "Fri sikt mot porten hela tiden. Ingen personal sågs.",
)


@dataclass
class _Supplier:
    no: int  # 1-based catalog position; staff ids are S<no><nnn>
    spec: _Spec
    org: str
    contract_start: date
    contract_end: date | None
    clients: list[_Client] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    relative_of: dict[str, list[str]] = field(default_factory=dict)
    routes: list[_Route] = field(default_factory=list)
    subs: list[str] = field(default_factory=list)
    relative_groups: list[tuple[list[_Client], tuple[float, float] | None]] = field(default_factory=list)
    shared_entrance: str = ""  # door_observation: the entrance several clients share

    @property
    def role(self) -> str:
        return self.spec.role


# A route being packed: its clients, minutes per round per weekday, the last client per round.
_OpenRoute = tuple[list[_Client], dict[str, list[int]], dict[str, _Client]]


@dataclass
class _Route:
    kind: str  # a key of ROUNDS: day | evening | night | support | relative | phantom
    clients: list[_Client]
    double: bool = False  # dubbelbemanning: a second person goes along to every visit
    staff: list[str] = field(default_factory=list)  # two alternating regulars, or the one relative
    buddies: list[str] = field(default_factory=list)  # the second person on a double-staffed route
    phase: int = 0
    seat: int | None = None  # position in a small supplier's shared rota (then `staff` is the pool)
    inflate: tuple[float, float] | None = None  # relative scheme: registered/planned factor range
    by_slot: dict[str, list[tuple[_Client, _Need]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for slot in SHIFT_SLOTS[self.kind]:
            self.by_slot[slot] = [(c, n) for c in self.clients for n in c.needs if n.slot == slot]

    def regular(self, day: int, staff: list[str]) -> str:
        """Who works this route on `day`.

        Two part-timers alternate: one works weekdays one week and the weekend the next. A small
        supplier shares one rota over its routes, shifted a seat each day, so nobody works two
        routes on one day and everyone has days off.
        """
        if len(staff) == 1:
            return staff[0]
        if self.seat is not None:
            return staff[(self.seat + day) % len(staff)]
        week, weekday = divmod(day, 7)
        return staff[0] if (weekday < 5) == ((week + self.phase) % 2 == 0) else staff[1]


# --- time ------------------------------------------------------------------------------------


class _Clock:
    """Instants as whole minutes since the Unix epoch, so routes run in elapsed (not wall) time."""

    def __init__(self, start: date) -> None:
        self.start = start
        self._instants: dict[tuple[int, int], int] = {}
        self._texts: dict[int, str] = {}

    def at(self, day: int, minute_of_day: int) -> int:
        """The instant of a local wall-clock time (the first one, if it happens twice)."""
        key = (day, minute_of_day)
        instant = self._instants.get(key)
        if instant is None:
            d = self.start + timedelta(days=day + minute_of_day // 1440)
            hour, minute = divmod(minute_of_day % 1440, 60)
            local = datetime(d.year, d.month, d.day, hour, minute, tzinfo=STOCKHOLM)
            instant = int(local.timestamp()) // 60
            self._instants[key] = instant
        return instant

    def text(self, instant: int) -> str:
        text = self._texts.get(instant)
        if text is None:
            text = datetime.fromtimestamp(instant * 60, STOCKHOLM).isoformat()
            self._texts[instant] = text
        return text

    def hhmm(self, instant: int) -> str:
        return self.text(instant)[11:16]


# --- the generator ---------------------------------------------------------------------------


class _Municipality:
    def __init__(self, seed: int, weeks: int, scale: float, start: date) -> None:
        self.seed = seed
        self.days = weeks * 7
        self.weeks = weeks
        self.scale = scale
        self.clock = _Clock(start)
        self.suppliers: list[_Supplier] = []
        self._orgs: set[str] = set()
        self._client_ids: set[str] = set()
        self._entrances: set[str] = set()
        self._streets: dict[tuple[str, str], tuple[float, float, float, float]] = {}
        self._travel: dict[tuple[int, int], int] = {}
        self._next_client = 0
        self.visit_count = 0
        self._write_visit: Callable[[Sequence[str]], object] = lambda row: None
        self._grid: dict[tuple[int, int], list[_Client]] = {}
        self.by_entrance: dict[str, list[tuple[int, int, int]]] = {}  # key -> (start, end, supplier no)
        self.event_rows: list[tuple[int, str, list[str]]] = []
        self.observation_rows: list[list[str]] = []

    def rng(self, purpose: str) -> random.Random:
        # A separate stream per purpose keeps one supplier's data stable when another changes.
        return random.Random(f"monitor-demo:{self.seed}:{purpose}")

    # suppliers and clients ----------------------------------------------------------------

    def build(self) -> None:
        rng = self.rng("suppliers")
        count = min(len(_CATALOG), max(MIN_SUPPLIERS, round(BASE_SUPPLIERS * self.scale)))
        for no, spec in enumerate(_CATALOG[:count], start=1):
            start = self.clock.start - timedelta(days=rng.randint(150, 2600))
            end = None
            if spec.ends:
                end_month = self.clock.start + timedelta(days=rng.randint(120, 800))
                end = (end_month.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            self.suppliers.append(_Supplier(no, spec, self._org_number(rng), start.replace(day=1), end))
        for supplier in self.suppliers[1:]:
            self._populate(supplier)
        # Size the large supplier from the rest, so it carries about a quarter at any scale.
        others = sum(n.per_week() for s in self.suppliers[1:] for c in s.clients for n in c.needs)
        self._populate(self.suppliers[0], target_per_week=others / 3)
        self._client_events()
        for supplier in self.suppliers:
            self._build_routes(supplier)

    def _org_number(self, rng: random.Random) -> str:
        while True:
            digits = rng.choice(("556", "559")) + f"{rng.randrange(10**6):06d}"
            number = digits + luhn.calc_check_digit(digits)
            if number not in self._orgs:
                self._orgs.add(number)
                return f"{number[:6]}-{number[6:]}"

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

    def _street(self, area: _Area, street: str, rng: random.Random) -> tuple[float, float, float, float]:
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

    def _address(self, area: _Area, rng: random.Random) -> tuple[str, float, float]:
        while True:
            street = rng.choice(area.streets)
            if area.rural:
                number = rng.randint(2, 420)
                lat = area.lat + rng.uniform(-area.spread, area.spread)
                lon = area.lon + rng.uniform(-2 * area.spread, 2 * area.spread)
            else:
                number = rng.randint(1, 140)
                s_lat, s_lon, d_lat, d_lon = self._street(area, street, rng)
                along = number / 140 - 0.5
                lat = s_lat + along * d_lat + rng.uniform(-0.0003, 0.0003)
                lon = s_lon + along * d_lon + rng.uniform(-0.0006, 0.0006)
            letter = f" {rng.choice('AB')}" if rng.random() < area.flats * 0.3 else ""
            entrance = f"{street} {number}{letter}"
            key = address_key(entrance)
            if key in self._entrances:
                continue
            self._entrances.add(key)
            text = entrance
            if rng.random() < area.flats:
                text += f", lgh {rng.randint(11, 16)}{rng.randint(1, 5):02d}"
            lat = min(max(lat, LAT_BOUNDS[0]), LAT_BOUNDS[1])
            lon = min(max(lon, LON_BOUNDS[0]), LON_BOUNDS[1])
            return text, round(lat, 6), round(lon, 6)

    def _client(
        self, supplier: _Supplier, rng: random.Random, needs: list[_Need],
        place: tuple[str, float, float] | None = None, area: str | None = None,
    ) -> _Client:
        text, lat, lon = place or self._address(_AREAS[area or rng.choice(supplier.spec.areas)], rng)
        nfc, lock, _app = supplier.spec.methods
        r = rng.random()
        method = "nfc" if r < nfc else "digital_lock" if r < nfc + lock else "app"
        client_id = self._client_id(rng)
        client = _Client(self._next_client, client_id, text, address_key(text), lat, lon, needs, method)
        self._next_client += 1
        for need in needs:
            per_day = client.load.setdefault(need.slot, [0] * 7)
            for weekday in need.days:
                per_day[weekday] += need.minutes + need.slack
        supplier.clients.append(client)
        return client

    def _populate(self, supplier: _Supplier, target_per_week: float = 0.0) -> None:
        rng = self.rng(f"clients:{supplier.no}")
        role = supplier.role
        if role == "large":
            total = 0.0
            while total < target_per_week:
                client = self._client(supplier, rng, _care_plan(rng, _level(rng), night_share=0.3))
                total += sum(n.per_week() for n in client.needs)
            heavy = [c for c in supplier.clients if _is_heavy(c)]
            for client in heavy[: max(2, len(heavy) // 30)]:
                client.double = True
            return
        n = max(supplier.spec.min_clients, round(supplier.spec.clients * self.scale))
        if role == "phantom_night":
            self._populate_phantom(supplier, rng, n)
            return
        if role == "door_observation":
            # A senior housing block: three clients behind one street door, one lgh each.
            text, lat, lon = self._address(_AREAS["Flemingsberg"], rng)
            entrance = text.split(",")[0]
            if not entrance[-1].isalpha():
                entrance += " A"
            supplier.shared_entrance = address_key(entrance)
            self._entrances.add(supplier.shared_entrance)
            for flat in ("1102", "1204", "1303"):
                self._client(supplier, rng, _care_plan(rng, "heavy"), (f"{entrance}, lgh {flat}", lat, lon))
        if role in ("relative_caregiver", "honest_relative"):
            self._populate_relatives(supplier, rng)
        while len(supplier.clients) < n:
            if role == "night_patrol":
                needs = _night_plan(rng)
            elif role == "boendestod":
                needs = _support_plan(rng, "boendestöd", (45, 60))
            elif role == "lss":
                needs = _support_plan(rng, "ledsagning", (60,))
            else:
                needs = _care_plan(rng, _level(rng))
            self._client(supplier, rng, needs)
        if role == "double":
            heavy = [c for c in supplier.clients if _is_heavy(c)]
            for client in heavy[: max(2, len(heavy) // 6)]:
                client.double = True

    def _populate_phantom(self, supplier: _Supplier, rng: random.Random, n: int) -> None:
        """Clients in Vårby and in Lissma, the municipality's opposite corners, 15+ km apart."""
        clusters: dict[str, list[_Client]] = {"Vårby": [], "Lissma": []}
        for i in range(n):
            area = ("Vårby", "Lissma")[i % 2]
            other = clusters["Lissma" if area == "Vårby" else "Vårby"]
            while True:
                place = self._address(_AREAS[area], rng)
                if all(haversine_m(place[1], place[2], c.lat, c.lon) > PHANTOM_MIN_METRES for c in other):
                    break
            night = i < 6
            needs = _care_plan(rng, "medium")
            if night:
                needs += [_need(rng, "night_a", 10, "nattillsyn"), _need(rng, "night_b", 10, "nattillsyn")]
            client = self._client(supplier, rng, needs, place)
            client.phantom = night
            clusters[area].append(client)

    def _populate_relatives(self, supplier: _Supplier, rng: random.Random) -> None:
        """Clients cared for by a relative employed for them ("anhöriganställning")."""
        area = _AREAS[supplier.spec.areas[0]]
        if supplier.role == "honest_relative":
            client = self._client(supplier, rng, _care_plan(rng, "medium"), area=area.name)
            client.special = True
            supplier.relative_groups.append(([client], None))
            return
        single = self._client(supplier, rng, _care_plan(rng, "heavy"), area=area.name)
        # An elderly couple at one address, both cared for by their son or daughter.
        place = self._address(area, rng)
        husband = self._client(supplier, rng, [
            _need(rng, "morning", 30, "omvårdnad"), _need(rng, "evening", 30, "omvårdnad")], place)
        wife = self._client(supplier, rng, [
            _need(rng, "morning", 30, "omvårdnad"), _need(rng, "lunch", 30, "måltid"),
            _need(rng, "evening", 30, "omvårdnad")], place)
        for client in (single, husband, wife):
            client.special = True
        supplier.relative_groups.append(([single], (2.6, 4.0)))
        supplier.relative_groups.append(([husband, wife], (2.0, 3.0)))

    # client events ---------------------------------------------------------------------------

    def _client_events(self) -> None:
        rng = self.rng("events")
        at = self.clock.at
        quiet = {"door_observation", "staff_overlap", "visit_during_absence", "relative_caregiver",
                 "phantom_night"}
        eligible = [c for s in self.suppliers if s.role not in quiet for c in s.clients if not c.special]
        period = self.weeks / 4
        hospital = max(2, round(0.06 * len(eligible) * period))
        deaths = max(1, round(0.007 * len(eligible) * period))
        moves = max(1, round(0.005 * len(eligible) * period))
        chosen = rng.sample(eligible, min(len(eligible), hospital + deaths + moves))
        for client in chosen[:hospital]:
            first = rng.randint(-3, self.days - 2)
            admitted = at(first, rng.randint(8 * 60, 21 * 60))
            last = first + rng.randint(2, 10)
            discharged = at(last, rng.randint(10 * 60, 16 * 60))
            if last >= self.days and rng.random() < 0.5:
                discharged = NO_END  # still in hospital when the export was taken
            self._event(client, "hospitalized", admitted, discharged)
        for client in chosen[hospital: hospital + deaths]:
            self._event(client, "deceased", rng.randint(1, self.days - 1))
        for client in chosen[hospital + deaths:]:
            self._event(client, "moved_out", rng.randint(1, self.days - 1))
        absence = next((s for s in self.suppliers if s.role == "visit_during_absence"), None)
        if absence:
            self._plant_absences(absence, rng)

    def _event(self, client: _Client, event: str, start: int, end: int = NO_END) -> None:
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
        self.event_rows.append((sort_key, client.client_id, row))

    def _plant_absences(self, supplier: _Supplier, rng: random.Random) -> None:
        """Keep billing a hospitalised client and a dead one; respect one other stay, as cover."""
        busiest = sorted(supplier.clients, key=lambda c: -sum(n.per_week() for n in c.needs))
        in_hospital, dead, honest = busiest[0], busiest[1], busiest[-1]
        first = max(1, self.days * 3 // 10)
        self._event(in_hospital, "hospitalized", self.clock.at(first, rng.randint(9 * 60, 20 * 60)),
                    self.clock.at(first + rng.randint(4, 6), rng.randint(10 * 60, 15 * 60)))
        self._event(dead, "deceased", max(2, self.days * 55 // 100))
        self._event(honest, "hospitalized", self.clock.at(max(0, self.days // 2), 14 * 60 + 5),
                    self.clock.at(max(0, self.days // 2) + 3, 11 * 60 + 30))
        in_hospital.honest_about_absence = False
        dead.honest_about_absence = False

    # routes and staff ------------------------------------------------------------------------

    def travel(self, a: _Client, b: _Client) -> int:
        key = (a.idx, b.idx)
        minutes = self._travel.get(key)
        if minutes is None:
            metres = haversine_m(a.lat, a.lon, b.lat, b.lon)
            # Same entrance: walk up the stairs; otherwise drive, then find parking.
            minutes = 1 if metres < 60 else PARKING_MIN + math.ceil(
                metres * ROAD_FACTOR / 1000 / SPEED_KMH * 60)
            self._travel[key] = minutes
        return minutes

    def _pack(self, clients: list[_Client], slots: Sequence[str]) -> list[list[_Client]]:
        """Fill routes with geographically consecutive clients while every round still fits.

        A client goes to the first of the last few routes with room on every weekday, so a
        lunch-only client can fill a route whose mornings are full; looking back only a few
        routes keeps each route local and the packing linear.
        """
        routes: list[_OpenRoute] = []
        for client in clients:
            demand = {s: client.load[s] for s in slots if s in client.load and any(client.load[s])}
            chosen: tuple[_OpenRoute, dict[str, list[int]]] | None = None
            for route in routes[-4:]:
                members, load, last = route
                extra = {
                    slot: [m + self.travel(last[slot], client) if m and slot in last else m for m in minutes]
                    for slot, minutes in demand.items()
                }
                if all(
                    load.get(slot, _ZERO_WEEK)[wd] + add[wd] <= ROUND_CAPACITY[slot]
                    for slot, add in extra.items() for wd in range(7)
                ):
                    chosen = route, extra
                    break
            if chosen is None:
                chosen = ([], {}, {}), demand
                routes.append(chosen[0])
            (members, load, last), extra = chosen
            members.append(client)
            for slot, add in extra.items():
                load[slot] = [a + b for a, b in zip(load.get(slot, _ZERO_WEEK), add, strict=True)]
                last[slot] = client
        return [members for members, _, _ in routes]

    def _build_routes(self, supplier: _Supplier) -> None:
        rng = self.rng(f"routes:{supplier.no}")
        ordered = sorted((c for c in supplier.clients if not c.special), key=_serpentine)
        routes = supplier.routes
        for members, inflate in supplier.relative_groups:
            routes.append(_Route("relative", members, inflate=inflate))
        for kind in ("day", "evening", "night", "support"):
            slots = SHIFT_SLOTS[kind]
            for double in (False, True) if kind != "night" else (False,):
                group = [
                    c for c in ordered
                    if (c.double == double or kind == "night") and not (kind == "night" and c.phantom)
                    and any(c.load.get(s) for s in slots)
                ]
                chunks = self._pack(group, slots) if group else []
                if kind == "day" and supplier.role == "staff_overlap" and len(chunks) == 1:
                    half = (len(chunks[0]) + 1) // 2
                    chunks = [chunks[0][:half], chunks[0][half:]]
                for chunk in chunks:
                    routes.append(_Route(kind, chunk, double, phase=rng.randrange(2)))
        phantom = [c for c in supplier.clients if c.phantom]
        if phantom:
            north = [c for c in phantom if c.lat > 59.22]
            south = [c for c in phantom if c.lat <= 59.22]
            zigzag = [c for pair in zip(north, south, strict=False) for c in pair]
            routes.append(_Route("phantom", zigzag, phase=rng.randrange(2)))

        counter = 0

        def hire() -> str:
            nonlocal counter
            counter += 1
            staff_id = f"S{supplier.no:02d}{counter:03d}"
            supplier.staff.append(staff_id)
            return staff_id

        rota = [r for r in routes if r.kind in ("day", "evening", "support")]
        pooled = len(rota) <= 4 and not any(r.double for r in rota)
        if pooled and rota:
            pool = [hire() for _ in range(len(rota) + (1 if len(rota) < 3 else 2))]
            for seat, route in enumerate(rota):
                route.staff, route.seat = pool, seat
        for route in routes:
            if route.kind == "relative":
                route.staff = [hire()]
                supplier.relative_of[route.staff[0]] = [c.client_id for c in route.clients]
            elif route.seat is None:
                route.staff = [hire(), hire()]
                if route.double:
                    route.buddies = [hire(), hire()]
        if not pooled:
            supplier.subs = [hire() for _ in range(max(1, round(len(rota) * 0.15)))]

    # visits ----------------------------------------------------------------------------------

    def generate_visits(self, write_row: Callable[[Sequence[str]], object]) -> None:
        """Visits go straight to the file: a large scale times many weeks is millions of rows."""
        self._write_visit = write_row
        for supplier in self.suppliers:
            self._supplier_visits(supplier)

    def _supplier_visits(self, supplier: _Supplier) -> None:
        rng = self.rng(f"visits:{supplier.no}")
        role = supplier.role
        # The lock vendor's outage lasts the second week (mid-week days when there is only one).
        outage = set(range(7, 14)) if self.days >= 14 else {2, 3, 4}
        day_routes = [i for i, r in enumerate(supplier.routes) if r.kind == "day"]
        for day in range(-1, self.days):
            sick_cover = list(supplier.subs)
            duty: dict[int, tuple[str, str]] = {}
            for i, route in enumerate(supplier.routes):
                if day >= 0 or route.kind in ("night", "phantom"):
                    duty[i] = (
                        self._on_duty(route, route.staff, day, sick_cover, rng),
                        self._on_duty(route, route.buddies, day, sick_cover, rng) if route.double else "",
                    )
            # Borrowed login: an unvetted worker drives route B under route A's staff id.
            borrowed = role == "staff_overlap" and len(day_routes) >= 2 and rng.random() < 0.75
            for i, (staff, buddy) in duty.items():
                route = supplier.routes[i]
                device = staff
                if borrowed and i == day_routes[1]:
                    staff = duty[day_routes[0]][0]
                planned = self._plan(route, day, rng)
                if planned:
                    self._register(supplier, route, planned, staff, device, buddy,
                                   day in outage and role == "outage", rng)

    def _on_duty(
        self, route: _Route, staff: list[str], day: int, sick_cover: list[str], rng: random.Random
    ) -> str:
        regular = route.regular(day, staff)
        # Relatives and night staff are not replaced: there is nobody else to send.
        if route.kind in ("day", "evening", "support") and sick_cover and rng.random() < 0.04:
            return sick_cover.pop(rng.randrange(len(sick_cover)))
        return regular

    def _plan(self, route: _Route, day: int, rng: random.Random) -> list[tuple[_Client, _Need, int, int]]:
        at = self.clock.at
        planned: list[tuple[_Client, _Need, int, int]] = []
        previous: _Client | None = None
        end = 0
        for slot, offset, minute in ROUNDS[route.kind]:
            if not 0 <= day + offset < self.days:
                continue
            nominal = at(day + offset, minute)
            for client, need in route.by_slot[slot]:
                if not need.active(day):
                    continue
                if previous is None:
                    start = nominal
                elif route.kind == "phantom":
                    start = max(nominal, end + rng.randint(3, 6))  # no time to drive 15 km
                else:
                    start = max(nominal, end + self.travel(previous, client) + need.slack)
                stop = start + need.minutes
                if client.absences and client.honest_about_absence and client.absent(start - 45, stop + 45):
                    continue
                planned.append((client, need, start, stop))
                previous, end = client, stop
        return planned

    def _register(
        self, supplier: _Supplier, route: _Route, planned: list[tuple[_Client, _Need, int, int]],
        staff: str, device: str, buddy: str, outage: bool, rng: random.Random,
    ) -> None:
        """Turn a planned route into registrations: what the staff's phone or the door lock recorded."""
        role = supplier.role
        exact = role == "exact_planned_times"
        previous: _Client | None = None
        end = 0
        done: list[tuple[_Client, _Need, int, int, int, int]] = []
        for client, need, p_start, p_end in planned:
            minutes = p_end - p_start
            if route.kind == "phantom":
                r_start = p_start + rng.randint(0, 1)
                r_end = max(r_start + 3, p_end - rng.randint(0, 1))
            elif exact:
                if rng.random() < 0.96:
                    r_start, r_end = p_start, p_end
                else:
                    r_start = p_start + rng.randint(0, 3)
                    r_end = max(r_start + 2, p_end - rng.randint(0, 6))
            else:
                r = rng.random()
                if r < 0.75:
                    r_start = p_start + rng.randint(-5, 4)
                else:
                    r_start = p_start + (rng.randint(5, 20) if r < 0.95 else rng.randint(21, 40))
                if route.inflate:
                    r_start = p_start - rng.randint(0, 10)
                if previous is not None:
                    drive = self.travel(previous, client)
                    r_start = max(r_start, end + max(1, round(drive * rng.uniform(0.85, 1.2))))
                if route.inflate:
                    length = round(minutes * rng.uniform(*route.inflate))
                elif need.slot.startswith("night"):
                    length = rng.randint(4, minutes)
                else:
                    length = max(3, round(minutes * min(1.3, max(0.45, rng.gauss(0.9, 0.15)))))
                r_end = r_start + length
            if client.absences and client.honest_about_absence and client.absent(r_start, r_end):
                continue
            done.append((client, need, p_start, p_end, r_start, r_end))
            previous, end = client, r_end
        if not done:
            return
        # Confirmed in one batch at the end of the shift, from the planned times.
        batch_at = done[-1][5] + rng.randint(5, 40) if exact else 0
        for i, (client, need, p_start, p_end, r_start, r_end) in enumerate(done):
            method = self._method(client, role, outage, rng)
            if exact:
                recorded = batch_at + i // 4
            elif method == "manual":
                recorded = r_end + rng.randint(4, 90)
            else:
                recorded = r_end + rng.randint(1, 2)
            self._emit(supplier, staff, device, client, need, p_start, p_end, r_start, r_end, method,
                       recorded)
            if buddy and client.double:
                b_start = min(r_start + rng.randint(0, 2), r_end - 1)
                b_end = max(b_start + 1, r_end - rng.randint(0, 1))
                self._emit(supplier, buddy, buddy, client, need, p_start, p_end, b_start, b_end,
                           client.method, b_end + rng.randint(1, 2))

    @staticmethod
    def _method(client: _Client, role: str, outage: bool, rng: random.Random) -> str:
        r = rng.random()
        if role == "manual_registration":
            if r < 0.30:
                return "manual"
            if r < 0.40:
                return "phone"
        elif outage and client.method == "digital_lock":
            return "manual" if r < 0.9 else "phone"
        # A tag that will not read, a flat phone battery: a small manual share everywhere.
        if r < 0.025:
            return "manual"
        if r < 0.031:
            return "phone"
        return client.method

    def _emit(
        self, supplier: _Supplier, staff: str, device: str, client: _Client, need: _Need,
        p_start: int, p_end: int, r_start: int, r_end: int, method: str, recorded: int,
    ) -> None:
        text = self.clock.text
        self.visit_count += 1
        self._write_visit((
            f"V{self.visit_count:08d}", supplier.org, staff, client.client_id, client.address,
            client.lat_text, client.lon_text, text(p_start), text(p_end), text(r_start), text(r_end),
            method, need.service, f"D{device}", text(recorded), str(p_end - p_start),
        ))
        self.by_entrance.setdefault(client.key, []).append((r_start, r_end, supplier.no))

    # door observations -----------------------------------------------------------------------

    def generate_observations(self) -> None:
        rng = self.rng("observations")
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
        for n, (_, row) in enumerate(rows, start=1):
            self.observation_rows.append([f"PO{n:04d}", *row])

    def _window_rows(
        self, client: _Client, start: int, end: int, seen: bool, note: str, rng: random.Random,
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

    def _contradicted(self, supplier: _Supplier, rng: random.Random) -> list[tuple[int, list[str]]]:
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

    def _neighbour_visits(self, client: _Client) -> list[tuple[int, int, int]]:
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
        self, client: _Client, day: int, rng: random.Random
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

    def _witnessed(self, supplier: _Supplier, day: int, rng: random.Random) -> tuple[int, list[str]] | None:
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

    def _quiet(self, suppliers: list[_Supplier], rng: random.Random) -> tuple[int, list[str]] | None:
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

    # output ----------------------------------------------------------------------------------

    def write(self, files: dict[str, Path]) -> None:
        """Everything but the visits, which were streamed while they were generated."""
        suppliers = [
            (s.org, s.spec.name, ";".join(s.spec.aliases), s.spec.contract_area, s.spec.form,
             s.spec.subcategory, s.contract_start.isoformat(),
             s.contract_end.isoformat() if s.contract_end else "")
            for s in self.suppliers
        ]
        staff = [
            (staff_id, s.org, ";".join(s.relative_of.get(staff_id, ())))
            for s in self.suppliers for staff_id in s.staff
        ]
        events = [row for _, _, row in sorted(self.event_rows, key=lambda e: (e[0], e[1]))]
        content: dict[str, Iterable[Sequence[str]]] = {
            "suppliers": suppliers,
            "staff": staff,
            "observations": self.observation_rows,
            "client-events": events,
        }
        for kind, rows in content.items():
            with _csv_rows(files[kind], kind) as write_row:
                for row in rows:
                    write_row(row)


@contextmanager
def _csv_rows(path: Path, kind: str) -> Iterator[Callable[[Sequence[str]], object]]:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS[kind])
        yield writer.writerow


def _cell(client: _Client) -> tuple[int, int]:
    """A grid cell of about 110 x 110 m, larger than NEIGHBOUR_METRES."""
    return int(client.lat / 0.001), int(client.lon / 0.002)


# --- care plans ------------------------------------------------------------------------------


def _need(
    rng: random.Random, slot: str, minutes: int, service: str,
    days: Iterable[int] = ALL_DAYS, parity: int | None = None,
) -> _Need:
    return _Need(slot, minutes, service, frozenset(days), parity, rng.randint(0, 3))


def _level(rng: random.Random) -> str:
    r = rng.random()
    return "light" if r < 0.35 else "medium" if r < 0.73 else "heavy"


def _serpentine(client: _Client) -> tuple[int, float]:
    """Bands of latitude walked alternately east and west, so neighbours in the order are near."""
    band = int((client.lat - 59.15) / 0.008)
    return band, client.lon if band % 2 else -client.lon


def _is_heavy(client: _Client) -> bool:
    return any(n.slot == "dinner" for n in client.needs)


def _care_plan(rng: random.Random, level: str, night_share: float = 0.0) -> list[_Need]:
    """The visits a home-care decision ("biståndsbeslut") turns into, by how much help is needed."""
    needs: list[_Need] = []
    shower = rng.choice(WEEKDAYS)
    if level == "light":
        r = rng.random()
        if r < 0.4:
            needs.append(_need(rng, "lunch", rng.choice((15, 20)), "tillsyn"))
        elif r < 0.7:
            needs.append(_need(rng, "morning", rng.choice((15, 20)), "omvårdnad"))
        else:
            needs.append(_need(rng, "afternoon", 30, "service", rng.choice(((0, 2, 4), (1, 3, 5)))))
        if rng.random() < 0.4:
            needs.append(_need(rng, "dinner", 15, "läkemedel"))
        if rng.random() < 0.4:
            busy = {d for n in needs if n.slot == "afternoon" for d in n.days}
            shopping = rng.choice([d for d in WEEKDAYS if d not in busy])
            needs.append(_need(rng, "afternoon", 45, "inköp", (shopping,)))
    elif level == "medium":
        needs.append(_need(rng, "morning", rng.choice((25, 30, 35)), "omvårdnad", ALL_DAYS - {shower}))
        needs.append(_need(rng, "morning", rng.choice((45, 50, 60)), "dusch", (shower,)))
        needs.append(_need(rng, "evening", rng.choice((20, 25, 30)), "omvårdnad"))
        if rng.random() < 0.5:
            needs.append(_need(rng, "lunch", rng.choice((15, 20, 25)), "måltid"))
        if rng.random() < 0.4:
            needs.append(_need(rng, "dinner", rng.choice((15, 20)), "läkemedel"))
    else:
        needs.append(_need(rng, "morning", rng.choice((40, 45)), "omvårdnad", ALL_DAYS - {shower}))
        needs.append(_need(rng, "morning", 60, "dusch", (shower,)))
        needs.append(_need(rng, "lunch", rng.choice((25, 30)), "måltid"))
        if rng.random() < 0.5:
            needs.append(_need(rng, "afternoon", 15, "tillsyn"))
        needs.append(_need(rng, "dinner", rng.choice((25, 30)), "måltid"))
        needs.append(_need(rng, "evening", rng.choice((35, 40, 45)), "omvårdnad"))
        if rng.random() < night_share:
            needs.append(_need(rng, "night_b", 10, "nattillsyn"))
    if level != "heavy" and rng.random() < 0.4:
        needs.append(_need(rng, "late_morning", 60, "städ", (rng.choice(WEEKDAYS),), rng.randrange(2)))
    return needs


def _night_plan(rng: random.Random) -> list[_Need]:
    needs = [_need(rng, "night_a", 10, "nattillsyn"), _need(rng, "night_c", 10, "nattillsyn")]
    if rng.random() < 0.7:
        needs.append(_need(rng, "night_b", 10, "nattillsyn"))
    return needs


def _support_plan(rng: random.Random, service: str, minutes: Sequence[int]) -> list[_Need]:
    """Boendestöd and LSS: an hour or so on a few weekdays, not daily care."""
    days = sorted(rng.sample(WEEKDAYS, rng.randint(1, 3)))
    return [_need(rng, rng.choice(("support_am", "support_pm")), rng.choice(minutes), service, days)]


# --- entry point -----------------------------------------------------------------------------


def generate_municipality(
    directory: Path,
    seed: int = 2026,
    weeks: int = 4,
    scale: float = 1.0,
    start: date | None = None,
) -> DemoDataset:
    """Write a synthetic municipality's exports as canonical CSV files into `directory`.

    `scale` multiplies clients (and so staff and visits); below about 0.35 it also drops
    honest suppliers, keeping at least twelve: the large one, the seven schemes and the
    look-alikes. Raises ValueError for a `start` that is not a Monday.
    """
    start = start or DEFAULT_START
    if start.weekday() != 0:
        raise ValueError(f"start must be a Monday, got {start.isoformat()} ({start:%A})")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = {kind: directory / f"{kind}.csv" for kind in COLUMNS}  # COLUMNS is in import order
    town = _Municipality(seed, weeks, scale, start)
    town.build()
    with _csv_rows(files["visits"], "visits") as write_row:
        town.generate_visits(write_row)
    town.generate_observations()
    town.write(files)
    return DemoDataset(
        directory=directory,
        files=files,
        planted={s.org: s.role for s in town.suppliers if s.role in SCHEMES},
        honest_largest=town.suppliers[0].org,
        start=start,
        weeks=weeks,
    )
