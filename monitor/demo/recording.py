"""How a registration is recorded: how long it says the visit lasted, how, when and from which phone.

Honest registrations scatter around the plan and are recorded within minutes by the tag, the
lock or the app. The schemes that live in a single registration are planted here: billing
inflation (duration_inflation), visits tagged in and out at the door (short_visits), shifts
entered days afterwards (late_registration), many manual registrations, and one phone that
registers colleagues' visits (shared_device); so is the honest digital-lock outage.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.demo.care_plans import Need
    from monitor.demo.clients import Client
    from monitor.demo.routes import Route
    from monitor.demo.suppliers import Supplier

# Share of a shared_device supplier's days on which one worker registers a colleague's route.
SHARED_DEVICE_DAYS = 0.6
# Share of a late_registration supplier's shifts entered in the app a day or more afterwards.
LATE_SHIFTS = 0.45


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
