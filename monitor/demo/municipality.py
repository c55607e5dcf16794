"""The municipality being generated: its size, its calendar, its suppliers and its random streams."""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

from monitor.demo.clock import Clock
from monitor.demo.places import Places, Travel

if TYPE_CHECKING:
    from monitor.demo.suppliers import Supplier


class Municipality:
    """What every stage of the generator shares; each stage keeps its own working state."""

    def __init__(self, seed: int, weeks: int, scale: float, start: date) -> None:
        self.seed = seed
        self.days = weeks * 7
        self.weeks = weeks
        self.scale = scale
        self.clock = Clock(start)
        self.suppliers: list[Supplier] = []
        self.places = Places()
        self.travel = Travel()

    def rng(self, purpose: str) -> random.Random:
        # A separate stream per purpose keeps one supplier's data stable when another changes.
        return random.Random(f"monitor-demo:{self.seed}:{purpose}")
