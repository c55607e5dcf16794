"""The demo end to end, and the promise that client ids never appear in clear."""

from __future__ import annotations

import csv
import email
import json
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from monitor.cli import app
from monitor.db import make_engine

runner = CliRunner()


@pytest.fixture
def demo_run(db_url, tmp_path):
    directory = tmp_path / "demo"
    env = {"MONITOR_LOG_LEVEL": "DEBUG", "MONITOR_DIGEST_RECIPIENTS": "team@kommun.example"}
    args = ["--db", db_url, "demo", "--dir", str(directory), "--scale", "0.2", "--weeks", "2"]
    result = runner.invoke(app, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return directory, db_url, result.output + (result.stderr or "")


def _client_ids(data: Path) -> set[str]:
    ids = set()
    for name, columns in (("visits.csv", ["client_id"]), ("client-events.csv", ["client_id"]),
                          ("staff.csv", ["relative_of_client_ids"])):
        with (data / name).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                for column in columns:
                    ids.update(part.strip() for part in row[column].split(";") if part.strip())
    return ids


def _forms(client_id: str) -> set[str]:
    digits = client_id.replace("-", "").replace("+", "")
    return {client_id, digits, digits[2:], f"{digits[2:8]}-{digits[8:]}"}


def _database_text(db_url: str) -> str:
    engine = make_engine(db_url)
    chunks = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            chunks.extend(str(tuple(row)) for row in conn.execute(text(f'select * from "{table}"')))
    engine.dispose()
    return "\n".join(chunks)


def _outbox_text(outbox: Path) -> str:
    chunks = []
    for eml in outbox.glob("*.eml"):
        raw = eml.read_bytes()
        message = email.message_from_bytes(raw, policy=policy.default)
        chunks.append(raw.decode("ascii", errors="replace"))
        chunks.extend(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")
    return "\n".join(chunks)


def test_the_demo_runs_end_to_end_and_leaves_a_digest(demo_run):
    directory, _, output = demo_run
    (eml,) = (directory / "outbox").glob("*.eml")
    assert "Subject:" in eml.read_text(encoding="utf-8")
    assert "Utkorg:" in output and "Databas:" in output


def test_the_planted_door_observation_scheme_ranks_above_every_honest_supplier(demo_run):
    from monitor.demo import generate_municipality

    directory, db_url, _ = demo_run
    dataset = generate_municipality(directory / "check", seed=2026, weeks=2, scale=0.2)
    result = runner.invoke(app, ["--db", db_url, "rank", "--format", "json"], catch_exceptions=False)
    ranking = json.loads(result.stdout)
    planted = next(org for org, scheme in dataset.planted.items() if scheme == "door_observation")
    honest_scores = [r["score"] for r in ranking if r["org_number"] not in dataset.planted]
    door = next(r for r in ranking if r["org_number"] == planted)
    assert door["score"] > max(honest_scores)
    assert door["reasons"][0]["id"] == "door-observation-mismatch"


def test_no_client_id_appears_in_clear_in_the_database_logs_or_outbox(demo_run):
    directory, db_url, output = demo_run
    ids = _client_ids(directory / "data")
    assert len(ids) > 50
    visits_csv = (directory / "data" / "visits.csv").read_text(encoding="utf-8")
    assert any(i in visits_csv for i in ids)  # the grep below would see them if they leaked
    haystacks = {
        "database": _database_text(db_url),
        "logs": output,
        "outbox": _outbox_text(directory / "outbox"),
    }
    assert "Imported file" in output  # the debug log was captured
    for where, haystack in haystacks.items():
        leaked = sorted(f for i in ids for f in _forms(i) if f in haystack)
        assert leaked == [], f"client ids in clear in the {where}: {leaked[:3]}"


def test_it_imports_every_demo_row_whatever_today_is(db_url, tmp_path):
    # Today before the demo's weeks: its times must still be inside the import's bounds.
    args = ["--db", db_url, "demo", "--dir", str(tmp_path / "demo"), "--scale", "0.05", "--weeks", "1"]
    with time_machine.travel(datetime(2026, 9, 1, tzinfo=UTC)):
        result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "avvisades" not in result.output and "lästes in" in result.output
