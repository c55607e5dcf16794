"""Shared fixtures: a real database per test on SQLite and PostgreSQL, and named personas.

PostgreSQL tests use one fresh database per test run (created here, dropped at the end) and
empty its tables between tests. Without a reachable server they are skipped with the reason,
except in CI (CI=true), where a missing PostgreSQL is a failure.
"""

from __future__ import annotations

import csv
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from monitor.cli import app
from monitor.config import PROJECT_DIR, Settings, load_settings
from monitor.db import make_engine, upgrade_database
from monitor.imports import SPECS, import_csv
from monitor.pseudonyms import Pseudonymiser

DATA = Path(__file__).parent / "data"
PG_ADMIN_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TEST_KEY = "test-pseudonym-key-not-for-production"

# Personas: obviously synthetic. Personnummer deliberately fail the check digit.
HONEST = {"org_number": "556677-8899", "name": "Omsorg Alfa AB"}
SUSPECT = {"org_number": "559923-3219", "name": "Hemtjänst Beta AB"}
ASTRID = "19300101-0001"  # a client of Hemtjänst Beta
BERTIL = "19350505-0002"  # a client of Omsorg Alfa
ASTRID_HOME = "Testgatan 1"
BERTIL_HOME = "Provvägen 22"


def _postgres_admin() -> Engine | None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception:
        engine.dispose()
        return None
    return engine


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin = _postgres_admin()
    if admin is None:
        reason = f"PostgreSQL not reachable at {make_url(PG_ADMIN_URL).render_as_string(hide_password=True)}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must test against a real PostgreSQL")
        pytest.skip(reason)
    name = f"monitor_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_database(make_engine(url))
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "monitor.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text("select tablename from pg_tables where schemaname='public' and tablename<>'alembic_version'")
        ).scalars().all()
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        {
            "MONITOR_DATABASE_URL": db_url,
            "MONITOR_PSEUDONYM_KEY": TEST_KEY,
            "MONITOR_OUTBOX_DIR": str(tmp_path / "outbox"),
            "MONITOR_RULES_DIR": str(PROJECT_DIR / "rules"),
            "MONITOR_TEMPLATES_DIR": str(PROJECT_DIR / "alerts"),
            "MONITOR_DIGEST_RECIPIENTS": "uppfoljning@kommun.example",
        }
    )


@pytest.fixture
def pseudonymise() -> Pseudonymiser:
    return Pseudonymiser(TEST_KEY.encode())


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (dicts) as a CSV file; the header is the first row's keys."""

    def write(name: str, rows: list[dict[str, str]], delimiter: str = ",", bom: bool = False) -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=delimiter)
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


def supplier_row(org_number: str, name: str, **extra: str) -> dict[str, str]:
    return {
        "org_number": org_number, "name": name, "aliases": "", "contract_area": "Hemtjänst",
        "contract_form": "LOV", "subcategory": "Äldreomsorg", "contract_start": "2024-01-01",
        "contract_end": "", **extra,
    }


def visit_row(visit_id: str, start: str, end: str, **extra: str) -> dict[str, str]:
    """A visit by Hemtjänst Beta's carer S1 at Astrid's home, registered as planned."""
    row = {
        "visit_id": visit_id, "supplier_org_number": SUSPECT["org_number"], "staff_id": "S1",
        "client_id": ASTRID, "address": ASTRID_HOME, "latitude": "59.2301", "longitude": "17.9802",
        "planned_start": start, "planned_end": end, "registered_start": start, "registered_end": end,
        "registration_method": "nfc", "service_type": "hemtjänst",
    }
    row.update(extra)
    return row


@pytest.fixture
def with_suppliers(engine: Engine, write_csv: Callable[..., Path], pseudonymise: Pseudonymiser) -> Engine:
    """The database with the two persona suppliers registered."""
    path = write_csv("suppliers.csv", [supplier_row(**HONEST), supplier_row(**SUSPECT)])
    result = import_csv(engine, SPECS["suppliers"], path, pseudonymise=pseudonymise)
    assert result.rows_accepted == 2
    return engine


@pytest.fixture
def load_evidence(with_suppliers: Engine, write_csv: Callable[..., Path], pseudonymise: Pseudonymiser):
    """Import rows (dicts in the canonical columns) into the database with the persona suppliers.

    load_evidence(visits=[...], staff=[...], events=[...], observations=[...]) -> Engine
    """

    def load(**kinds: list[dict[str, str]]) -> Engine:
        names = {"visits": "visits", "staff": "staff", "events": "client-events", "observations": "observations"}
        for name in ("staff", "events", "observations", "visits"):
            rows = kinds.get(name)
            if not rows:
                continue
            kind = names[name]
            result = import_csv(with_suppliers, SPECS[kind], write_csv(f"{kind}.csv", rows),
                                pseudonymise=pseudonymise)
            assert result.rows_rejected == 0, result.rejected
        return with_suppliers

    return load


# The command line as a user runs it: environment variables only, a real database per backend.
_cli_runner = CliRunner()


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "MONITOR_DATABASE_URL": db_url,
        "MONITOR_PSEUDONYM_KEY": TEST_KEY,
        "MONITOR_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MONITOR_RULES_DIR": str(PROJECT_DIR / "rules"),
        "MONITOR_TEMPLATES_DIR": str(PROJECT_DIR / "alerts"),
    }


def invoke(env: dict[str, str], *args: str) -> Result:
    return _cli_runner.invoke(app, list(args), env=env, catch_exceptions=False)


def import_personas(env: dict[str, str], write_csv: Callable[..., Path]) -> None:
    """Both personas imported; Hemtjänst Beta registered a visit during a door observation."""
    invoke(env, "import", "suppliers", str(write_csv("s.csv", [supplier_row(**HONEST), supplier_row(**SUSPECT)])))
    invoke(env, "import", "visits", str(write_csv("v.csv", [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")])))
    observation = {"observation_id": "O1", "address": ASTRID_HOME, "observed_from": "2026-10-06 07:30",
                   "observed_to": "2026-10-06 09:00", "staff_seen": "nej"}
    invoke(env, "import", "observations", str(write_csv("o.csv", [observation])))


@pytest.fixture
def scored(env: dict[str, str], write_csv: Callable[..., Path]) -> dict[str, str]:
    """The personas imported and scored once, through the command line."""
    import_personas(env, write_csv)
    result = invoke(env, "score")
    assert result.exit_code == 0, result.output
    return env


@pytest.fixture
def news_server() -> Iterator[HTTPServer]:
    """A news site on loopback serving one RSS feed at /feed."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/feed").respond_with_data((PROJECT_DIR / "tests" / "data" / "feeds" / "rss20.xml")
                                                     .read_bytes(), content_type="application/rss+xml")
    server.start()
    yield server
    server.stop()


CHROMIUM = os.environ.get("MONITOR_TEST_CHROMIUM", "/usr/bin/chromium")
# Chromium's own background traffic is refused by a closed network and slows every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright, launched by path (no browser download).

    Per module, not per session: Playwright's sync API keeps an event loop running in the main
    thread while it is open, and later tests that call asyncio.run (the CLI's feed polling) fail."""
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not installed at {CHROMIUM}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; .ci/run installs Debian's chromium package")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
