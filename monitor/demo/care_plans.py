"""Care plans: the recurring visits a decision turns into, by how much help a client needs."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.demo.clients import Client

ALL_DAYS = frozenset(range(7))
WEEKDAYS = (0, 1, 2, 3, 4)


@dataclass(slots=True)
class Need:
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


def make_need(
    rng: random.Random, slot: str, minutes: int, service: str,
    days: Iterable[int] = ALL_DAYS, parity: int | None = None,
) -> Need:
    return Need(slot, minutes, service, frozenset(days), parity, rng.randint(0, 3))


def care_level(rng: random.Random) -> str:
    r = rng.random()
    return "light" if r < 0.35 else "medium" if r < 0.73 else "heavy"


def is_heavy(client: Client) -> bool:
    return any(n.slot == "dinner" for n in client.needs)


def care_plan(rng: random.Random, level: str, night_share: float = 0.0) -> list[Need]:
    """The visits a home-care decision ("biståndsbeslut") turns into, by how much help is needed."""
    needs: list[Need] = []
    shower = rng.choice(WEEKDAYS)
    if level == "light":
        r = rng.random()
        if r < 0.4:
            needs.append(make_need(rng, "lunch", rng.choice((15, 20)), "tillsyn"))
        elif r < 0.7:
            needs.append(make_need(rng, "morning", rng.choice((15, 20)), "omvårdnad"))
        else:
            needs.append(make_need(rng, "afternoon", 30, "service", rng.choice(((0, 2, 4), (1, 3, 5)))))
        if rng.random() < 0.4:
            needs.append(make_need(rng, "dinner", 15, "läkemedel"))
        if rng.random() < 0.4:
            busy = {d for n in needs if n.slot == "afternoon" for d in n.days}
            shopping = rng.choice([d for d in WEEKDAYS if d not in busy])
            needs.append(make_need(rng, "afternoon", 45, "inköp", (shopping,)))
    elif level == "medium":
        needs.append(make_need(rng, "morning", rng.choice((25, 30, 35)), "omvårdnad", ALL_DAYS - {shower}))
        needs.append(make_need(rng, "morning", rng.choice((45, 50, 60)), "dusch", (shower,)))
        needs.append(make_need(rng, "evening", rng.choice((20, 25, 30)), "omvårdnad"))
        if rng.random() < 0.5:
            needs.append(make_need(rng, "lunch", rng.choice((15, 20, 25)), "måltid"))
        if rng.random() < 0.4:
            needs.append(make_need(rng, "dinner", rng.choice((15, 20)), "läkemedel"))
    else:
        needs.append(make_need(rng, "morning", rng.choice((40, 45)), "omvårdnad", ALL_DAYS - {shower}))
        needs.append(make_need(rng, "morning", 60, "dusch", (shower,)))
        needs.append(make_need(rng, "lunch", rng.choice((25, 30)), "måltid"))
        if rng.random() < 0.5:
            needs.append(make_need(rng, "afternoon", 15, "tillsyn"))
        needs.append(make_need(rng, "dinner", rng.choice((25, 30)), "måltid"))
        needs.append(make_need(rng, "evening", rng.choice((35, 40, 45)), "omvårdnad"))
        if rng.random() < night_share:
            needs.append(make_need(rng, "night_b", 10, "nattillsyn"))
    if level != "heavy" and rng.random() < 0.4:
        needs.append(make_need(rng, "late_morning", 60, "städ", (rng.choice(WEEKDAYS),), rng.randrange(2)))
    return needs


def night_plan(rng: random.Random) -> list[Need]:
    needs = [make_need(rng, "night_a", 10, "nattillsyn"), make_need(rng, "night_c", 10, "nattillsyn")]
    if rng.random() < 0.7:
        needs.append(make_need(rng, "night_b", 10, "nattillsyn"))
    return needs


def support_plan(rng: random.Random, service: str, minutes: Sequence[int]) -> list[Need]:
    """Boendestöd and LSS: an hour or so on a few weekdays, not daily care."""
    days = sorted(rng.sample(WEEKDAYS, rng.randint(1, 3)))
    return [make_need(rng, rng.choice(("support_am", "support_pm")), rng.choice(minutes), service, days)]
