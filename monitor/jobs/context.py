"""What a job runs with: built once at startup (or by `monitor jobs run`) and passed down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from monitor.config import Settings
from monitor.db import utcnow
from monitor.jobs.schedule import Schedule


@dataclass
class JobContext:
    """What a job may use: the database, the settings and schedule built once at startup, and
    what to call when evidence changed (the service schedules a score)."""

    engine: Engine
    settings: Settings
    schedule: Schedule
    on_evidence_changed: Callable[[], None] = lambda: None
    # Files seen in the inbox by size and time: a file must look the same twice to be imported.
    inbox_seen: dict[str, tuple[int, int]] = field(default_factory=dict)
    now: Callable[[], datetime] = utcnow
