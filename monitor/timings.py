"""Where a run's time goes: seconds per stage and per rule (`monitor score --timings`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Timings:
    stages: list[tuple[str, float]] = field(default_factory=list)
    rules: list[tuple[str, float]] = field(default_factory=list)
    _since: float = field(default_factory=time.perf_counter, repr=False)

    def lap(self, stage: str) -> None:
        """The time since the previous lap (or the start) was spent on `stage`; a stage met
        again (the next group of suppliers) adds to its first entry."""
        now = time.perf_counter()
        _add(self.stages, stage, now - self._since)
        self._since = now

    def rule(self, rule_id: str, seconds: float) -> None:
        _add(self.rules, rule_id, seconds)


def _add(entries: list[tuple[str, float]], name: str, seconds: float) -> None:
    for i, (known, before) in enumerate(entries):
        if known == name:
            entries[i] = (name, before + seconds)
            return
    entries.append((name, seconds))


def no_lap(stage: str) -> None:
    """Timings.lap for a run that keeps none."""
