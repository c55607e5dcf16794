"""Honest untidiness: what real suppliers' exports look like without anyone cheating.

A ranking tuned on tidy honest suppliers alerts on every real one. So some of the demo's ordinary
honest suppliers carry the noise the follow-up team sees every week (`Spec.noise` names which,
the supplier's own random stream decides how much):

* long_days: a day-route regular also drives an evening route's last round now and then
  (covering a colleague), a 07-22 day with a break;
* split_shifts: an evening regular also drives a day route's morning rounds, with the middle of
  the day off: a delad tur of some fifteen hours from first visit to last;
* corrections: a tag not read, a phone left in the car; the visit is typed in by hand days later
  when the coordinator notices it missing (a late, manual registration);
* lock_change: halfway through, the supplier moves its tagged clients to digital locks; during
  the few days of the switch most of their visits are registered by hand;
* shared_staff: a part-timer works for two suppliers under the same id, on the days the other
  one has them off (never at the same time; see `share_staff`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random

    from monitor.demo.clients import Client
    from monitor.demo.municipality import Municipality
    from monitor.demo.routes import Route
    from monitor.demo.suppliers import Supplier

NOISE_KINDS = ("long_days", "split_shifts", "corrections", "lock_change", "shared_staff")
# Days the switch to digital locks takes, during which those clients' visits are typed in by hand.
LOCK_SWITCH_DAYS = 3


@dataclass(frozen=True)
class Noise:
    long_days: float = 0.0  # chance per day that an evening route is driven by a day route's regular
    split_shifts: float = 0.0  # chance per day that a day route's morning round goes to an evening regular
    corrections: float = 0.0  # share of visits forgotten and registered by hand days later
    lock_change_day: int | None = None  # the day the tagged clients' visits start to be registered by lock


def draw_noise(town: Municipality, supplier: Supplier) -> Noise:
    """How untidy this supplier is, from its own random stream (the same for the same seed)."""
    kinds = supplier.spec.noise
    if not kinds:
        return Noise()
    rng = town.rng(f"noise:{supplier.no}")
    return Noise(
        long_days=rng.uniform(0.1, 0.3) if "long_days" in kinds else 0.0,
        split_shifts=rng.uniform(0.2, 0.5) if "split_shifts" in kinds else 0.0,
        corrections=rng.uniform(0.03, 0.1) if "corrections" in kinds else 0.0,
        lock_change_day=(town.days // 2 + rng.randint(-2, 2)) if "lock_change" in kinds and town.days >= 7 else None,
    )


@dataclass(frozen=True)
class Fix:
    """How one honest registration departs from the tidy one."""

    method: str
    late_minutes: int = 0  # typed in this long after the visit ended (0: recorded as it happened)


def untidy_registration(noise: Noise, client: Client, day: int, rng: random.Random) -> Fix | None:
    """A forgotten visit corrected by hand days later, or a tagged client's visit during the
    switch to digital locks (by hand) and after it (by lock); None for a tidy registration."""
    if noise.corrections and rng.random() < noise.corrections:
        # Mostly noticed at the next working day's check, sometimes only at the weekly one.
        late = rng.randint(16 * 60, 3 * 24 * 60) if rng.random() < 0.8 else rng.randint(3 * 24 * 60, 7 * 24 * 60)
        # The times as the carer remembers them (what they wrote on the paper list), not the plan's.
        return Fix("manual", late)
    change = noise.lock_change_day
    if change is not None and client.method == "nfc" and day >= change:
        if day < change + LOCK_SWITCH_DAYS and rng.random() < 0.7:
            return Fix("manual")
        return Fix("digital_lock")
    return None


def share_staff(town: Municipality) -> None:
    """A part-timer of one supplier also works for another, on the days the first has them off.

    Regulars of a route alternate: one works the weekdays one week and the weekend the next (see
    Route.regular). The second supplier hires the first's regular as the first regular of one of
    its own day routes with the opposite phase, so the person works every day, each day for one
    supplier: two part-time contracts, never two places at once.
    """
    sharing = [s for s in town.suppliers if "shared_staff" in s.spec.noise]
    for first, second in zip(sharing[::2], sharing[1::2], strict=False):
        mine = _alternating_day_route(first)
        theirs = _alternating_day_route(second)
        if mine is None or theirs is None:
            continue
        person, replaced = mine.staff[0], theirs.staff[0]
        theirs.staff[0] = person
        theirs.phase = 1 - mine.phase
        second.staff[second.staff.index(replaced)] = person


def _alternating_day_route(supplier: Supplier) -> Route | None:
    return next((r for r in supplier.routes if r.kind == "day" and r.seat is None and len(r.staff) == 2
                 and not r.double), None)
