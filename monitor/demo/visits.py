"""Visits: each day's routes planned against the clock, then registered the way phones and locks record them.

Planned times follow the route (travel time from the distance, the planner's slack, no visit
while an honest supplier knows the client is away); registered times scatter around them
(`recording` decides each registration's length, method, time of recording and phone). The
schemes that live in a route's registrations are planted here: a borrowed login
(staff_overlap), times copied from the plan (exact_planned_times), inflated relative visits, a
phantom night route and rounds registered under short-lived ids (identity_churn); so is honest
double staffing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from monitor.demo.noise import untidy_registration
from monitor.demo.recording import IdentityPool, devices_for, entered_late_at, registered_minutes, registration_method
from monitor.demo.routes import ROUNDS

if TYPE_CHECKING:
    from monitor.demo.care_plans import Need
    from monitor.demo.clients import Client
    from monitor.demo.municipality import Municipality
    from monitor.demo.routes import Route
    from monitor.demo.suppliers import Supplier

# A split shift (monitor.demo.noise) takes a day route's rounds up to lunch, and only when they last
# until 10:30 or later: the break before the 16:00 evening stays under the six hours that would make
# it two shifts with too short a rest between them (insufficient_rest's shift_break_hours).
SPLIT_ROUNDS = ("morning", "late_morning", "lunch")
SPLIT_EARLIEST_END = 10 * 60 + 30

# address key -> registered visits there as (start, end, supplier no), in epoch minutes
ByEntrance = dict[str, list[tuple[int, int, int]]]


def generate_visits(town: Municipality, write_row: Callable[[Sequence[str]], object]) -> ByEntrance:
    """Visits go straight to the file: a large scale times many weeks is millions of rows."""
    visits = _Visits(town, write_row)
    for supplier in town.suppliers:
        visits.supplier_visits(supplier)
    return visits.by_entrance


class _Visits:
    def __init__(self, town: Municipality, write_row: Callable[[Sequence[str]], object]) -> None:
        self.town = town
        self.days = town.days
        self.clock = town.clock
        self.travel = town.travel
        self.visit_count = 0
        self._write_visit = write_row
        self.by_entrance: ByEntrance = {}

    def supplier_visits(self, supplier: Supplier) -> None:
        rng = self.town.rng(f"visits:{supplier.no}")
        role = supplier.role
        # The lock vendor's outage lasts the second week (mid-week days when there is only one).
        outage = set(range(7, 14)) if self.days >= 14 else {2, 3, 4}
        day_routes = [i for i, r in enumerate(supplier.routes) if r.kind == "day"]
        worked_evening: set[str] = set()
        identities = IdentityPool(self.town, supplier) if role == "identity_churn" else None
        # The noise has a stream of its own: a tidy supplier's visits stay exactly as they were.
        untidy = self.town.rng(f"noise-visits:{supplier.no}")
        for day in range(-1, self.days):
            sick_cover = list(supplier.subs)
            duty: dict[int, tuple[str, str]] = {}
            for i, route in enumerate(supplier.routes):
                if day >= 0 or route.kind in ("night", "phantom", "round_the_clock"):
                    duty[i] = (
                        self._on_duty(route, route.staff, day, sick_cover, worked_evening, rng),
                        self._on_duty(route, route.buddies, day, sick_cover, worked_evening, rng)
                        if route.double else "",
                    )
            handovers = self._untidy_rota(supplier, day, duty, worked_evening, untidy) if day >= 0 else {}
            worked_evening = {
                name for i, pair in duty.items() if supplier.routes[i].kind == "evening" for name in pair
            }
            # Borrowed login: an unvetted worker drives route B under route A's staff id.
            borrowed = role == "staff_overlap" and len(day_routes) >= 2 and rng.random() < 0.75
            devices = devices_for(supplier, day_routes, duty, rng)
            for i, (staff, buddy) in duty.items():
                route = supplier.routes[i]
                device = devices[i]
                if borrowed and i == day_routes[1]:
                    staff = duty[day_routes[0]][0]
                planned = self._plan(route, day, rng)
                lock_outage = day in outage and role == "outage"
                if i in handovers:
                    # A long day or a split shift: rounds of this route are driven by someone else.
                    slots, other = handovers[i]
                    handed = [p for p in planned if p[1].slot in slots]
                    split_end = self.clock.at(day, SPLIT_EARLIEST_END)
                    if slots == SPLIT_ROUNDS and handed and max(p[3] for p in handed) < split_end:
                        handed = []  # the break before the evening would count as a night: nobody is asked
                    planned = [p for p in planned if p[1].slot not in slots or not handed]
                    if handed:
                        self._register(supplier, route, handed, other, other, buddy, lock_outage, rng,
                                       day=day, untidy=untidy)
                if planned:
                    identity = partial(identities.staff_for, i, day) if identities else None
                    self._register(supplier, route, planned, staff, device, buddy, lock_outage, rng, identity,
                                   day=day, untidy=untidy)

    @staticmethod
    def _untidy_rota(
        supplier: Supplier, day: int, duty: dict[int, tuple[str, str]], worked_evening: set[str],
        untidy: random.Random,
    ) -> dict[int, tuple[tuple[str, ...], str]]:
        """Long days and split shifts (monitor.demo.noise), as route -> (rounds, who drives them today).

        A long day: a day regular also drives an evening route's evening round (from 18:45), after
        a break. A split shift (delad tur): an evening regular drives a day route's morning rounds
        (07 to about 12:30) before their own evening, four to five hours later. No round handed over
        overlaps the person's own route, and the planner keeps the night's rest: no split shift
        after an evening, no long day before a morning."""
        noise = supplier.noise
        handovers: dict[int, tuple[tuple[str, ...], str]] = {}
        if not (noise.long_days or noise.split_shifts):
            return handovers
        days = [i for i in duty if supplier.routes[i].kind == "day" and not supplier.routes[i].double]
        evenings = [i for i in duty if supplier.routes[i].kind == "evening" and not supplier.routes[i].double]
        if not days or not evenings:
            return handovers
        routes = supplier.routes
        if untidy.random() < noise.long_days:
            day_route, evening = days[untidy.randrange(len(days))], evenings[untidy.randrange(len(evenings))]
            person = duty[day_route][0]
            if all(routes[i].regular(day + 1, routes[i].staff) != person for i in days):
                handovers[evening] = (("evening",), person)
        if untidy.random() < noise.split_shifts:
            day_route, evening = days[untidy.randrange(len(days))], evenings[untidy.randrange(len(evenings))]
            person = duty[evening][0]
            if person != duty[day_route][0] and person not in worked_evening:
                handovers[day_route] = (SPLIT_ROUNDS, person)
        return handovers

    def _on_duty(
        self, route: Route, staff: list[str], day: int, sick_cover: list[str], worked_evening: set[str],
        rng: random.Random,
    ) -> str:
        regular = route.regular(day, staff)
        # Relatives and night staff are not replaced: there is nobody else to send.
        if route.kind in ("day", "evening", "support") and sick_cover and rng.random() < 0.04:
            # A substitute who closed last night's evening route is not sent on this morning's.
            fit = [s for s in sick_cover if route.kind != "day" or s not in worked_evening]
            if fit:
                substitute = fit[rng.randrange(len(fit))]
                sick_cover.remove(substitute)
                return substitute
        return regular

    def _plan(self, route: Route, day: int, rng: random.Random) -> list[tuple[Client, Need, int, int]]:
        at = self.clock.at
        planned: list[tuple[Client, Need, int, int]] = []
        previous: Client | None = None
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
                    start = max(nominal, end + self.travel.minutes(previous, client) + need.slack)
                stop = start + need.minutes
                if client.absences and client.honest_about_absence and client.absent(start - 45, stop + 45):
                    continue
                planned.append((client, need, start, stop))
                previous, end = client, stop
        return planned

    def _register(
        self, supplier: Supplier, route: Route, planned: list[tuple[Client, Need, int, int]],
        staff: str, device: str, buddy: str, outage: bool, rng: random.Random,
        identity: Callable[[str, int], str] | None = None, day: int = 0, untidy: random.Random | None = None,
    ) -> None:
        """Turn a planned route into registrations: what the staff's phone or the door lock recorded.

        `identity` gives the id (and phone login) a visit is registered under instead of `staff`,
        from its round and its number in the round.
        """
        role = supplier.role
        exact = role == "exact_planned_times"
        previous: Client | None = None
        end = 0
        done: list[tuple[Client, Need, int, int, int, int]] = []
        for client, need, p_start, p_end in planned:
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
                    drive = self.travel.minutes(previous, client)
                    r_start = max(r_start, end + max(1, round(drive * rng.uniform(0.85, 1.2))))
                r_end = r_start + registered_minutes(role, route, need, rng)
            if client.absences and client.honest_about_absence and client.absent(r_start, r_end):
                continue
            done.append((client, need, p_start, p_end, r_start, r_end))
            previous, end = client, r_end
        if not done:
            return
        # Confirmed in one batch at the end of the shift, from the planned times.
        batch_at = done[-1][5] + rng.randint(5, 40) if exact else 0
        late_at = entered_late_at(role, done[-1][5], rng)
        in_round: dict[str, int] = {}
        for i, (client, need, p_start, p_end, r_start, r_end) in enumerate(done):
            method = registration_method(client, role, outage, rng)
            fix = untidy_registration(supplier.noise, client, day, untidy) if untidy is not None else None
            if fix is not None:
                method = fix.method
            if exact:
                recorded = batch_at + i // 4
            elif late_at is not None:
                method, recorded = "app", late_at + i
            elif method == "manual":
                recorded = r_end + rng.randint(4, 90)
            else:
                recorded = r_end + rng.randint(1, 2)
            if fix is not None and fix.late_minutes:
                recorded = r_end + fix.late_minutes  # forgotten, and typed in by the coordinator days later
            if identity is not None:
                in_round[need.slot] = in_round.get(need.slot, -1) + 1
                staff = device = identity(need.slot, in_round[need.slot])
            self._emit(supplier, staff, device, client, need, p_start, p_end, r_start, r_end, method,
                       recorded)
            if buddy and client.double:
                b_start = min(r_start + rng.randint(0, 2), r_end - 1)
                b_end = max(b_start + 1, r_end - rng.randint(0, 1))
                self._emit(supplier, buddy, buddy, client, need, p_start, p_end, b_start, b_end,
                           client.method, b_end + rng.randint(1, 2))

    def _emit(
        self, supplier: Supplier, staff: str, device: str, client: Client, need: Need,
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
