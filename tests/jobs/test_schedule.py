"""schedule.yaml: local times that survive daylight saving, and errors that name file and line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import PROJECT_DIR
from monitor.jobs.schedule import JobSpec, load_schedule
from monitor.timestamps import STOCKHOLM
from monitor.yamlfile import ConfigFileError


@pytest.mark.parametrize(("after", "expected_utc"), [
    (datetime(2026, 1, 14, 12, 0, tzinfo=UTC), datetime(2026, 1, 19, 6, 0, tzinfo=UTC)),
    (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), datetime(2026, 7, 6, 5, 0, tzinfo=UTC)),
    (datetime(2026, 3, 27, 12, 0, tzinfo=UTC), datetime(2026, 3, 30, 5, 0, tzinfo=UTC)),
    (datetime(2026, 10, 23, 12, 0, tzinfo=UTC), datetime(2026, 10, 26, 6, 0, tzinfo=UTC)),
], ids=["winter", "summer", "monday-after-spring-forward", "monday-after-fall-back"])
def test_the_monday_digest_is_at_seven_local_time_in_winter_and_summer(after, expected_utc):
    fire = JobSpec(cron="0 7 * * mon").trigger().get_next_fire_time(None, after)
    assert fire == expected_utc
    assert fire.astimezone(STOCKHOLM).strftime("%a %H:%M") == "Mon 07:00"


def test_the_shipped_schedule_loads_with_every_job():
    schedule = load_schedule(PROJECT_DIR / "schedule.yaml")
    assert set(schedule.jobs) == {"poll-feeds", "import-inbox", "score", "digest", "retention"}
    assert schedule.inbox.kind_of("besok-2026-12.csv").kind == "visits"


@pytest.mark.parametrize(("text", "expected"), [
    ("jobs:\n  score:\n    cron: '0 2 * * *'\n    treshold: 3\n", "schedule.yaml:4: unknown field 'jobs.score.treshold'"),
    ("jobs:\n  score:\n    cron: '0 25 * * *'\n", "schedule.yaml:3: field 'jobs.score.cron'"),
    ("jobs:\n  score:\n    every_minutes: 5\n    cron: '0 2 * * *'\n", "give exactly one of cron"),
    ("jobs:\n  sccore:\n    every_minutes: 5\n", "schedule.yaml:2: job 'sccore': unknown task 'sccore'"),
    ("jobs:\n  score:\n    every_minutes: 5\ninbox:\n  files:\n    - pattern: 'x*'\n      kind: visit\n",
     "schedule.yaml:7: field 'inbox.files.0.kind'"),
    ("jobs:\n  score: &a\n    every_minutes: 5\n  digest: *a\n", "anchors and aliases"),
], ids=["misspelt-field", "bad-cron", "two-timings", "unknown-job", "unknown-kind", "alias"])
def test_it_names_file_and_line_of_a_schedule_mistake(tmp_path: Path, text, expected):
    path = tmp_path / "schedule.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError, match=expected.replace("*", r"\*").replace("(", r"\(")):
        load_schedule(path)


@pytest.mark.parametrize(("name", "kind"), [
    ("suppliers.csv", "suppliers"), ("Staff-2026.csv", "staff"), ("client-events-v49.csv", "client-events"),
    ("besok-v49.csv", "visits"), ("notes.txt", None), ("visits.xlsx", None),
], ids=["suppliers", "case-insensitive", "client-events", "pattern", "unknown", "not-csv"])
def test_it_knows_an_inbox_file_by_its_name(name, kind):
    schedule = load_schedule(PROJECT_DIR / "schedule.yaml")
    rule = schedule.inbox.kind_of(name)
    assert (rule.kind if rule else None) == kind
