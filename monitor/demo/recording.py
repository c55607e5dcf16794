"""How a registration is recorded: how long it says the visit lasted, how, when, from which phone and under whose id.

Honest registrations scatter around the plan and are recorded within minutes by the tag, the
lock or the app. The schemes that live in a single registration are planted here: billing
inflation (duration_inflation), visits tagged in and out at the door (short_visits), shifts
entered days afterwards (late_registration), many manual registrations, one phone that
registers colleagues' visits (shared_device), and staff ids that last a day or two
(identity_churn); so is the honest digital-lock outage.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.demo.care_plans import Need
    from monitor.demo.clients import Client
    from monitor.demo.municipality import Municipality
    from monitor.demo.routes import Route
    from monitor.demo.suppliers import Supplier

# Share of a shared_device supplier's days on which one worker registers a colleague's route.
SHARED_DEVICE_DAYS = 0.6
# Share of a late_registration supplier's shifts entered in the app a day or more afterwards.
LATE_SHIFTS = 0.45
# An identity_churn id registers this many consecutive visits of a round.
IDENTITY_VISITS = 2


def registered_minutes(role: str, route: Route, need: Need, rng: random.Random) -> int:
    """How long the registration says the visit took (the plan says `need.minutes`)."""
    minutes = need.minutes
    if route.inflate:
        return round(minutes * rng.uniform(*route.inflate))
    if role == "duration_inflation" and rng.random() < 0.9:
        # Billed half again as long as the plan, visit after visit.
        return round(minutes * rng.uniform(1.4, 1.6))
    if need.slot.startswith("night"):
        return rng.randint(4, minutes)
    if role == "short_visits" and rng.random() < 0.45:
        # "Stämpla in och gå": tag in at the door, tag out again, drive on; the plan is billed.
        return rng.randint(1, 3)
    return max(3, round(minutes * min(1.3, max(0.45, rng.gauss(0.9, 0.15)))))


def registration_method(client: Client, role: str, outage: bool, rng: random.Random) -> str:
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


def entered_late_at(role: str, shift_end: int, rng: random.Random) -> int | None:
    """When a late_registration shift is typed into the app: one to four days after it ended.

    None for a shift recorded as it happened (every shift of every other supplier).
    """
    if role != "late_registration" or rng.random() >= LATE_SHIFTS:
        return None
    return shift_end + rng.randint(26 * 60, 4 * 24 * 60)


def devices_for(
    supplier: Supplier, day_routes: list[int], duty: dict[int, tuple[str, str]], rng: random.Random
) -> dict[int, str]:
    """The phone each route's visits are registered from: its own driver's, unless one is shared.

    shared_device: the colleague on the second day route stays home, and the first route's
    driver registers that route's visits under the colleague's id from their own phone.
    """
    devices = {i: staff for i, (staff, _) in duty.items()}
    if supplier.role == "shared_device" and len(day_routes) >= 2 and rng.random() < SHARED_DEVICE_DAYS:
        first, second = day_routes[0], day_routes[1]
        if first in duty and second in duty:
            devices[second] = duty[first][0]
    return devices


class IdentityPool:
    """identity_churn: the staff ids a supplier registers its visits under, each one for a day or two.

    The people who drive the routes never appear in the export. Each round of each route (the
    morning, the lunch, the first night round ...) is cut into runs of IDENTITY_VISITS visits,
    and each run is registered under an id that lasts one or two days and is never used again:
    borrowed or invented identities, so that who really works (unvetted, without a work permit,
    or nobody at all) and how long their days are cannot be seen. Every id is in the staff list
    and has its own app login, so no phone registers for two ids, and it works the same stretch
    of the same round each day, so its hours and rest look like a part-timer's. What shows is
    only in the rates: a visit or two per staff-day, a client or two per staff member, and a
    staff list that is new every week. No rule is written for that.
    """

    def __init__(self, town: Municipality, supplier: Supplier) -> None:
        self._supplier = supplier
        self._rng = town.rng(f"identities:{supplier.no}")
        self._current: dict[tuple[int, str, int], tuple[str, int]] = {}  # stretch -> (id, first day past it)
        supplier.staff.clear()  # the export lists the identities, not the people behind them

    def staff_for(self, route: int, day: int, slot: str, visit: int) -> str:
        """The id of a route's `visit`-th visit (from 0) in round `slot` of shift day `day`."""
        stretch = (route, slot, visit // IDENTITY_VISITS)
        current = self._current.get(stretch)
        if current is None or day >= current[1]:
            supplier = self._supplier
            staff_id = f"S{supplier.no:02d}{len(supplier.staff) + 1:03d}"
            supplier.staff.append(staff_id)
            current = (staff_id, day + self._rng.choice((1, 2)))
            self._current[stretch] = current
        return current[0]
