"""schedule.yaml: which job `monitor run` runs when, and how the inbox names its files.

Times are Swedish local time (Europe/Stockholm): a cron of `0 7 * * mon` is 07:00 on Monday in
winter and in summer alike, since the trigger is evaluated in that zone, not in UTC.
"""

from __future__ import annotations

import os
from datetime import timedelta
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Literal

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from monitor.timestamps import STOCKHOLM
from monitor.yamlfile import ConfigFileError, all_errors, load_yaml, node_line, raise_all

# What a job can do; a job's name is its task unless it names one.
TASKS = ("poll-feeds", "import-inbox", "score", "digest", "retention")
# Only for the service's own tests (MONITOR_TEST_TASKS=1): a job that takes its time, one that raises.
TEST_TASKS = ("sleep", "fail")
KINDS = ("suppliers", "staff", "visits", "observations", "client-events", "registry", "permits", "invoices")


def allowed_tasks() -> tuple[str, ...]:
    return TASKS + TEST_TASKS if os.environ.get("MONITOR_TEST_TASKS") == "1" else TASKS


class JobSpec(BaseModel):
    """One job: a cron line in local time, or an interval."""

    model_config = ConfigDict(extra="forbid")

    task: str | None = Field(None, description="What it does, if not the job's name.")
    cron: str | None = Field(None, description="minute hour day month weekday, Europe/Stockholm time.")
    every_minutes: float | None = Field(None, gt=0)
    every_seconds: float | None = Field(None, gt=0)
    enabled: bool = True
    misfire_grace_minutes: float = Field(
        60, ge=0, description="A run missed by up to this much (the service was down or busy) still runs, once.")
    params: dict[str, Any] = Field(default_factory=dict, description="Task settings (test tasks only).")

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                CronTrigger.from_crontab(value, timezone=STOCKHOLM)
            except ValueError as exc:
                raise ValueError(f"not a cron line ({exc})") from None
        return value

    @model_validator(mode="after")
    def _one_timing(self) -> JobSpec:
        given = [n for n in ("cron", "every_minutes", "every_seconds") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of cron, every_minutes, every_seconds")
        return self

    def trigger(self) -> BaseTrigger:
        if self.cron is not None:
            return CronTrigger.from_crontab(self.cron, timezone=STOCKHOLM)
        seconds = self.every_seconds if self.every_seconds is not None else (self.every_minutes or 0) * 60
        return IntervalTrigger(seconds=seconds, timezone=STOCKHOLM)

    def describe(self) -> str:
        if self.cron is not None:
            return f"cron {self.cron} (Europe/Stockholm)"
        if self.every_seconds is not None:
            return f"every {self.every_seconds:g} s"
        return f"every {self.every_minutes:g} min"


class InboxFile(BaseModel):
    """File names matching `pattern` (case-insensitive, * and ?) are `kind`, read with `mapping`."""

    model_config = ConfigDict(extra="forbid")

    pattern: str
    kind: Literal["suppliers", "staff", "visits", "observations", "client-events", "registry", "permits", "invoices"]
    mapping: Path | None = None


class InboxConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    settle_seconds: float = Field(
        5, ge=0, description="A file whose size or time changed within this is still being written: left.")
    score_after_import_seconds: float = Field(
        300, ge=0, description="Score this long after an import that changed evidence (0: only nightly); "
        "each further import moves it on, so a batch of files gives one run.")
    files: list[InboxFile] = Field(default_factory=list)

    def kind_of(self, name: str) -> InboxFile | None:
        """The first pattern the name matches; else a name starting with its kind, without a mapping."""
        folded = name.casefold()
        for rule in self.files:
            if fnmatch(folded, rule.pattern.casefold()):
                return rule
        # Longest first: client-events* before a hypothetical shorter kind prefix.
        for kind in sorted(KINDS, key=len, reverse=True):
            if folded.startswith(kind) and folded.endswith(".csv"):
                return InboxFile(pattern=f"{kind}*.csv", kind=kind)  # type: ignore[arg-type]
        return None


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jobs: dict[str, JobSpec]
    inbox: InboxConfig = Field(default_factory=InboxConfig)
    lease_minutes: float = Field(10, gt=0, description="A job's lease; renewed while it runs.")
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    def task_of(self, name: str) -> str:
        return self.jobs[name].task or name

    def enabled(self) -> dict[str, JobSpec]:
        return {n: s for n, s in self.jobs.items() if s.enabled}

    @property
    def lease_ttl(self) -> timedelta:
        return timedelta(minutes=self.lease_minutes)

    @property
    def base_dir(self) -> Path:
        return self._base_dir


def load_schedule(path: Path) -> Schedule:
    """schedule.yaml, validated; errors name the file and line."""
    data, tree = load_yaml(path)
    try:
        schedule = Schedule.model_validate(data if data is not None else {})
    except ValidationError as exc:
        lines = []
        for loc, message in all_errors(exc):
            # A whole-model error's own text already names the job.
            message = message.removeprefix("field '': Value error, ").replace("Value error, ", "")
            line = node_line(tree, *loc)
            lines.append(f"{path}:{line or 1}: {message}")
        raise ConfigFileError("\n".join(lines)) from None
    tasks = allowed_tasks()
    raise_all([f"{path}:{node_line(tree, 'jobs', name)}: job '{name}': unknown task '{schedule.task_of(name)}' "
               f"(one of: {', '.join(tasks)})" for name in schedule.jobs if schedule.task_of(name) not in tasks])
    # Mapping files are named relative to the schedule file, like a path in any config file.
    schedule._base_dir = path.resolve().parent
    return schedule


def mapping_path(schedule: Schedule, rule: InboxFile) -> Path | None:
    if rule.mapping is None:
        return None
    return rule.mapping if rule.mapping.is_absolute() else schedule.base_dir / rule.mapping
