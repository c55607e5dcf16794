"""Day routes and who drives them: shifts of rounds, clients packed by place, and the staff rota.

Each route drives its clients one after another, in day (07-16), evening (15-22) and night
shifts, plus office-hours support and the dedicated routes of relatives, of carers hired for one
client (single_client_staff), of a round-the-clock route that several people drive under one
staff id (round_the_clock), and of the phantom night.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from monitor.demo.clients import Client

if TYPE_CHECKING:
    from monitor.demo.care_plans import Need
    from monitor.demo.municipality import Municipality
    from monitor.demo.places import Travel
    from monitor.demo.suppliers import Supplier

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
    "dedicated": DAY_ROUNDS + EVENING_ROUNDS,
    "round_the_clock": DAY_ROUNDS + EVENING_ROUNDS + NIGHT_ROUNDS,
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

# A route being packed: its clients, minutes per round per weekday, the last client per round.
_OpenRoute = tuple[list[Client], dict[str, list[int]], dict[str, Client]]


@dataclass
class Route:
    kind: str  # a key of ROUNDS: day | evening | night | support | relative | dedicated | round_the_clock | phantom
    clients: list[Client]
    double: bool = False  # dubbelbemanning: a second person goes along to every visit
    staff: list[str] = field(default_factory=list)  # two alternating regulars, or the one relative
    buddies: list[str] = field(default_factory=list)  # the second person on a double-staffed route
    phase: int = 0
    seat: int | None = None  # position in a small supplier's shared rota (then `staff` is the pool)
    inflate: tuple[float, float] | None = None  # relative scheme: registered/planned factor range
    by_slot: dict[str, list[tuple[Client, Need]]] = field(default_factory=dict)

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
        if self.kind == "round_the_clock":
            # One id around the clock six days a week; another takes the Sunday's 24 hours.
            return staff[1] if day % 7 == 6 else staff[0]
        if self.seat is not None:
            # Seats run day routes first, then evening and support: moving one seat on each day
            # never turns an evening into the next early morning (a "quick return").
            return staff[(self.seat - day) % len(staff)]
        week, weekday = divmod(day, 7)
        return staff[0] if (weekday < 5) == ((week + self.phase) % 2 == 0) else staff[1]


def build_routes(town: Municipality, supplier: Supplier) -> None:
    """Cut a supplier's clients into routes, then hire the staff to drive them."""
    rng = town.rng(f"routes:{supplier.no}")
    ordered = sorted((c for c in supplier.clients if not c.special), key=_serpentine)
    routes = supplier.routes
    for members, inflate in supplier.relative_groups:
        routes.append(Route("relative", members, inflate=inflate))
    for kind, members in supplier.own_routes:
        routes.append(Route(kind, members, phase=rng.randrange(2)))
    for kind in ("day", "evening", "night", "support"):
        slots = SHIFT_SLOTS[kind]
        for double in (False, True) if kind != "night" else (False,):
            group = [
                c for c in ordered
                if (c.double == double or kind == "night") and not (kind == "night" and c.phantom)
                and any(c.load.get(s) for s in slots)
            ]
            chunks = _pack(town.travel, group, slots) if group else []
            # These schemes play one day route against another, so they need two.
            if kind == "day" and supplier.role in ("staff_overlap", "shared_device") and len(chunks) == 1:
                half = (len(chunks[0]) + 1) // 2
                chunks = [chunks[0][:half], chunks[0][half:]]
            for chunk in chunks:
                routes.append(Route(kind, chunk, double, phase=rng.randrange(2)))
    phantom = [c for c in supplier.clients if c.phantom]
    if phantom:
        north = [c for c in phantom if c.lat > 59.22]
        south = [c for c in phantom if c.lat <= 59.22]
        zigzag = [c for pair in zip(north, south, strict=False) for c in pair]
        routes.append(Route("phantom", zigzag, phase=rng.randrange(2)))
    _hire_staff(supplier)


def _serpentine(client: Client) -> tuple[int, float]:
    """Bands of latitude walked alternately east and west, so neighbours in the order are near."""
    band = int((client.lat - 59.15) / 0.008)
    return band, client.lon if band % 2 else -client.lon


def _pack(travel: Travel, clients: list[Client], slots: Sequence[str]) -> list[list[Client]]:
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
                slot: [m + travel.minutes(last[slot], client) if m and slot in last else m for m in minutes]
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
    packed = [members for members, _, _ in routes]
    # A planner squeezes a lone client into the neighbouring route rather than give two
    # part-timers a route of one client each (which would look like "objektsanställning").
    merged: list[list[Client]] = []
    for i, members in enumerate(packed):
        if len(members) == 1 and len(packed) > 1:
            (merged[-1] if merged else packed[i + 1]).extend(members)
        else:
            merged.append(members)
    return merged


def _hire_staff(supplier: Supplier) -> None:
    """Staff ids in hiring order: a shared rota for a small supplier, regulars per route otherwise."""
    routes = supplier.routes
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
        elif route.kind == "dedicated":
            route.staff = [hire()]  # hired for this one client, every day, and declared as nobody's relative
        elif route.seat is None:
            route.staff = [hire(), hire()]
            if route.double:
                route.buddies = [hire(), hire()]
    if not pooled:
        supplier.subs = [hire() for _ in range(max(1, round(len(rota) * 0.15)))]

