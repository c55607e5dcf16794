"""Benchmark: importing a home-care visits export, against the fastest raw insert of the same rows.

Generates a visits CSV shaped like a real export from the time-registration system (and the
supplier register it refers to), then, per backend:

* "monitor import": `monitor.imports.import_csv` of the file into a fresh, migrated database;
* "database work alone": the rows the import stored, handed to the importer's own writer and
  bulk-load code (monitor.imports.writers, bulk) in a fresh database: the writes into the visits
  table with its unique key, the secondary indexes built again, the commit, and no parsing.
  The most any importer can reach with this schema;
* "raw floor": the export's rows as `csv.reader` reads them, inserted with the bare driver into
  a table with only a primary key (sqlite3 `executemany`, psycopg `COPY ... FROM STDIN`).

The importer is judged on the ratio import rate / floor rate; the project aims for >= 0.5. The
database step's own ratio to the floor says how much of that the schema leaves to reach.
Each measured step runs in a fresh Python subprocess, so its peak RSS is its own rather than
the high-water mark of generating the file or of an earlier step. After each step the table
is counted, and the import and the floor must have stored exactly the same values, otherwise
the floor would not be a floor for this import.

    python benchmarks/import_visits.py                          # 1,000,000 rows, both backends
    python benchmarks/import_visits.py --rows 20000             # a quick check
    python benchmarks/import_visits.py --backends sqlite --keep # keep the CSVs and databases
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import hashlib
import json
import os
import pickle
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Measure the checkout this script lives in, not whatever copy of `monitor` is installed.
sys.path.insert(0, str(PROJECT_DIR))

BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
BENCH_KEY = b"benchmark-only pseudonymisation key"
RESULT_MARKER = "BENCH_RESULT "

# The shape of the data: about what one large municipality's home care produces in four weeks.
N_SUPPLIERS = 40
N_STAFF = 2_000
N_CLIENTS = 20_000
N_DAYS = 28
# Spans the autumn clock change (2026-10-25), so the ambiguous 02:00-03:00 hour is exercised.
FIRST_DAY = date(2026, 10, 5)

VISIT_HEADER = (
    "visit_id", "supplier_org_number", "staff_id", "client_id", "address", "latitude", "longitude",
    "planned_start", "planned_end", "registered_start", "registered_end", "registration_method",
    "service_type", "device_id", "recorded_at", "decided_minutes",
)
SUPPLIER_HEADER = (
    "org_number", "name", "contract_area", "contract_form", "subcategory", "contract_start",
    "contract_end",
)
# The importer's record order (visits.parse_visit + import_batch_id), so both insert alike.
STREETS = (
    "Trångsundsvägen", "Solgårdsvägen", "Storgatan", "Kvarnbergsplan", "Sjödalsvägen",
    "Häggvägen", "Tomtberga gränd", "Fullersta torg", "Glömstavägen", "Segeltorpsvägen",
    "Vårby allé", "Stensättravägen", "Skogåsvägen", "Lingonvägen", "Björkvägen", "Ekvägen",
    "Fruängsgången", "Masmovägen", "Kästa allé", "Flemingsbergsvägen", "Hälsovägen",
    "Diagnosvägen", "Visättravägen", "Kommunalvägen", "Patron Pehrs väg", "Tallvägen",
    "Rådjursstigen", "Älvsjövägen", "Gymnastikvägen", "Östra Lindvägen",
)
SUPPLIER_WORDS = (
    "Stilla", "Trygg", "Varma", "Goda", "Lugna", "Omtänksamma", "Nära", "Hela", "Ljusa", "Sköna",
)
SUPPLIER_SUFFIXES = ("händer AB", "omsorg AB", "stunden AB", "hemtjänst AB")
# Weights as percentages, expanded into lookup lists so each row costs one randrange.
METHOD_WEIGHTS = {"nfc": 55, "digital_lock": 20, "app": 15, "manual": 7, "phone": 3}
SERVICE_WEIGHTS = {
    "hemtjänst": 80, "dubbelbemanning": 8, "trygghetslarm": 6, "delegerad HSL-insats": 4,
    "ledsagning": 2,
}
PLANNED_MINUTES = (10, 15, 20, 30, 30, 45, 60, 90)
# The decision's minutes as the system writes them: a Swedish decimal comma now and then.
DECIDED_MINUTES = {m: (f"{m * 1.05:.1f}".replace(".", ",") if m % 20 == 10 else str(m)) for m in PLANNED_MINUTES}


def _expand(weights: dict[str, int]) -> list[str]:
    return [value for value, weight in weights.items() for _ in range(weight)]


# --------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class GeneratedFiles:
    visits: Path
    suppliers: Path
    rows: int


def _org_numbers(rng: random.Random, count: int) -> list[str]:
    from stdnum import luhn

    found: set[str] = set()
    while len(found) < count:
        body = f"5595{rng.randrange(100_000):05d}"  # 559...: the range newer ABs are given
        found.add(body + luhn.calc_check_digit(body))
    return [f"{n[:6]}-{n[6:]}" for n in sorted(found)]


def _personnummer(rng: random.Random, count: int) -> list[str]:
    """Well-formed (Luhn-checked) 12-digit personnummer of people born 1925-1955; synthetic."""
    from stdnum import luhn

    found: set[str] = set()
    first, span = date(1925, 1, 1), (date(1955, 12, 31) - date(1925, 1, 1)).days
    while len(found) < count:
        born = first + timedelta(days=rng.randrange(span))
        serial = f"{rng.randrange(1000):03d}"
        check = luhn.calc_check_digit(born.strftime("%y%m%d") + serial)
        found.add(f"{born:%Y%m%d}-{serial}{check}")
    pnr = sorted(found)
    rng.shuffle(pnr)
    return pnr


def _address(rng: random.Random) -> str:
    street = f"{rng.choice(STREETS)} {rng.randrange(1, 180)}"
    kind = rng.random()
    # Exports mix bare street addresses with entrance letters, apartments and post towns,
    # which is what address_key has to normalise.
    if kind < 0.6:
        return street
    if kind < 0.85:
        return f"{street} {rng.choice('ABCD')}, lgh {rng.randrange(1001, 1405)}"
    return f"{street}, {rng.randrange(141, 145)} {rng.randrange(10, 99)} Huddinge"


def _decimal_comma(value: float) -> str:
    return f"{value:.6f}".replace(".", ",")


def generate(directory: Path, rows: int) -> GeneratedFiles:
    """Write visits.csv and suppliers.csv; deterministic for a given row count."""
    rng = random.Random(42)
    orgs = _org_numbers(rng, N_SUPPLIERS)
    suppliers_path = directory / "suppliers.csv"
    with suppliers_path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(SUPPLIER_HEADER)
        for i, org in enumerate(orgs):
            name = f"{SUPPLIER_WORDS[i % 10]}{SUPPLIER_SUFFIXES[i // 10 % 4]}"
            writer.writerow([org, name, "Hemtjänst", "LOV", "Äldreomsorg", "2024-01-01", ""])

    # Past a million rows, more people rather than busier ones: 10M rows are ten such
    # municipalities' staff and clients (a staff member with 180 visits a day would make the
    # detectors' work quadratic in a way no real export does).
    people = max(1, rows // 1_000_000)
    n_staff, n_clients = N_STAFF * people, N_CLIENTS * people
    staff_by_supplier: list[list[str]] = [[] for _ in orgs]
    for i in range(n_staff):
        staff_by_supplier[i % N_SUPPLIERS].append(f"S{i + 1:05d}")
    # Each client has one supplier, chosen under LOV, and is visited at one address.
    clients = [
        (
            rng.randrange(N_SUPPLIERS),
            pnr,
            _address(rng),
            _decimal_comma(rng.uniform(59.18, 59.30)),
            _decimal_comma(rng.uniform(17.85, 18.10)),
        )
        for pnr in _personnummer(rng, n_clients)
    ]
    methods = _expand(METHOD_WEIGHTS)
    services = _expand(SERVICE_WEIGHTS)

    # Formatting 4 timestamps per row dominates generation unless looked up: one string per
    # minute from a day before the first day to two days after the last.
    origin = datetime.combine(FIRST_DAY - timedelta(days=1), datetime.min.time())
    minutes = [
        (origin + timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M")
        for m in range((N_DAYS + 3) * 1440)
    ]

    # A time-registration system numbers a visit when it is planned (weeks ahead, whole series
    # at once) and exports by time, so the ids arrive in no order: a seeded permutation.
    import numpy as np

    visit_numbers = np.random.default_rng(42).permutation(rows) + 1_000
    visits_path = directory / "visits.csv"
    written = 0
    with visits_path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(VISIT_HEADER)
        for day in range(N_DAYS):
            count = rows // N_DAYS + (day < rows % N_DAYS)
            day_offset = (day + 1) * 1440
            starts = sorted(
                # ~6% night patrol visits, 22:00-07:00; the rest in the day, 07:00-22:00.
                rng.randrange(1320, 1860) if rng.random() < 0.06 else rng.randrange(420, 1320)
                for _ in range(count)
            )
            numbers = visit_numbers[written:written + count].tolist()
            written += count
            batch = []
            for start, number in zip(starts, numbers, strict=True):
                supplier, pnr, address, lat, lon = clients[rng.randrange(n_clients)]
                planned = day_offset + start - start % 5
                length = PLANNED_MINUTES[rng.randrange(len(PLANNED_MINUTES))]
                registered = planned + rng.randrange(-10, 16)
                registered_end = registered + max(1, length + rng.randrange(-10, 11))
                has_plan = rng.random() >= 0.03  # unplanned (extra) visits have no plan
                staff = staff_by_supplier[supplier][rng.randrange(len(staff_by_supplier[supplier]))]
                method = methods[rng.randrange(100)]
                # Phones and NFC readers are the staff's own; a manual entry is typed in later.
                device = f"MOB-{staff}" if method in ("app", "nfc") else ""
                recorded = minutes[registered_end + rng.randrange(5, 600)] if method == "manual" else ""
                decided = DECIDED_MINUTES[length] if has_plan and rng.random() < 0.6 else ""
                batch.append((
                    f"V{number:08d}",
                    orgs[supplier],
                    staff,
                    pnr,
                    address,
                    lat,
                    lon,
                    minutes[planned] if has_plan else "",
                    minutes[planned + length] if has_plan else "",
                    minutes[registered],
                    minutes[registered_end],
                    method,
                    services[rng.randrange(100)],
                    device,
                    recorded,
                    decided,
                ))
            writer.writerows(batch)
    return GeneratedFiles(visits=visits_path, suppliers=suppliers_path, rows=rows)


# --------------------------------------------------------------------------- measured steps


@dataclass(frozen=True)
class Step:
    """One measurement, handed to a child process as JSON."""

    method: str  # "import", "database", "floor" or "score"
    backend: str
    url: str  # SQLAlchemy URL of the prepared database
    visits_csv: str
    rows: int
    batch_rows: int
    # The per-connection settings monitor.db gives the importer, for the SQLite floor to copy.
    sqlite_pragmas: dict[str, Any] = field(default_factory=dict)
    stored_rows: str = ""  # the database step's rows (export_stored_rows)


@dataclass(frozen=True)
class Measurement:
    backend: str
    method: str
    rows: int
    seconds: float
    start_rss_mb: float  # high-water mark just before the timed part
    peak_rss_mb: float
    cpu_seconds: float = 0.0  # this process's CPU (SQLite's work included; PostgreSQL's server's not)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def cpu_rate(self) -> float:
        return self.rows / max(self.cpu_seconds, 1e-9)


def _peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB."""
    # Not ru_maxrss on Linux: exec() carries the spawning parent's high-water mark into it,
    # so every child would report at least the parent's peak. VmHWM belongs to this image.
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


class _Timed:
    """The timed part of a step: wall and CPU seconds, and peak RSS before and after."""

    def __enter__(self) -> _Timed:
        self._start_rss = _peak_rss_mb()
        self._cpu = time.process_time()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.numbers = {
            "seconds": time.perf_counter() - self._started,
            "start_rss_mb": self._start_rss,
            "peak_rss_mb": _peak_rss_mb(),
            "cpu_seconds": time.process_time() - self._cpu,
        }


def _measure_import(step: Step) -> dict[str, float]:
    from monitor.db import make_engine
    from monitor.imports import SPECS, import_csv
    from monitor.pseudonyms import Pseudonymiser

    engine = make_engine(step.url)
    pseudonymise = Pseudonymiser(BENCH_KEY)
    with _Timed() as timed:
        result = import_csv(
            engine, SPECS["visits"], Path(step.visits_csv), pseudonymise=pseudonymise,
            batch_rows=step.batch_rows,
        )
    engine.dispose()
    assert result.status == "applied" and result.rows_accepted == step.rows, (
        f"{step.backend}: the import {result.status} {result.rows_accepted:,} of {step.rows:,} rows "
        f"({result.rows_rejected:,} rejected, e.g. "
        f"{[(r.line, r.describe()) for r in result.rejected[:3]]}); fix the generator"
    )
    return timed.numbers


def _measure_score(step: Step) -> dict[str, float]:
    """`monitor score` of the imported visits with the shipped rules, in groups of
    `step.batch_rows` visits (0: the whole window at once)."""
    from monitor.db import make_engine
    from monitor.findings.rules import load_rules
    from monitor.ranking.score import load_scoring_config
    from monitor.scoring import run_scoring

    rules_dir = Path(__file__).resolve().parents[1] / "rules"
    engine = make_engine(step.url)
    rules, config = load_rules(rules_dir), load_scoring_config(rules_dir)
    with _Timed() as timed:
        outcome = run_scoring(engine, rules, config, group_visits=step.batch_rows or None)
    engine.dispose()
    print(f"  scored {outcome.visits_read:,} visits of {len(outcome.ranking)} suppliers: "
          f"{outcome.evaluation.findings_total:,} findings, {len(outcome.outliers)} compared with their peers",
          file=sys.stderr, flush=True)  # stdout carries the result line
    return timed.numbers


# The visit columns the importer stores, the import batch aside.
STORED_COLUMNS = (
    "visit_id", "supplier_id", "staff_id", "client_ref", "address", "address_key", "latitude", "longitude",
    "planned_start", "planned_end", "registered_start", "registered_end", "registration_method",
    "service_type", "device_id", "recorded_at", "decided_minutes",
)
INSTANT_COLUMNS = frozenset({"planned_start", "planned_end", "registered_start", "registered_end", "recorded_at"})
# The database step holds its rows in memory before the timed part; past this it is skipped.
DATABASE_STEP_MAX_ROWS = 3_000_000


def export_stored_rows(url: str, path: Path) -> None:
    """The rows the import stored, in its order and in the form its writer hands them to the
    driver (instants as the text it sends), pickled for the database step."""
    from sqlalchemy import text

    from monitor.db import format_postgres_utc, make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT {', '.join(STORED_COLUMNS)} FROM visits ORDER BY id")).all()
        if engine.dialect.name == "sqlite":
            stored = [tuple(row) for row in rows]
        else:
            instants = {i for i, c in enumerate(STORED_COLUMNS) if c in INSTANT_COLUMNS}
            stored = [tuple(format_postgres_utc(v) if i in instants and v is not None else v
                            for i, v in enumerate(row)) for row in rows]
    finally:
        engine.dispose()
    with path.open("wb") as f:
        pickle.dump(stored, f, protocol=pickle.HIGHEST_PROTOCOL)


def _measure_database(step: Step) -> dict[str, float]:
    """The import's database work without its parsing: the stored rows through the importer's
    writer and bulk-load code, batch by batch, in one transaction, as import_csv does it."""
    from sqlalchemy import insert

    from monitor.db import make_engine, utcnow
    from monitor.imports.bulk import BulkLoad
    from monitor.imports.writers import batch_writer
    from monitor.models import ImportBatch, Visit

    with open(step.stored_rows, "rb") as f:
        rows = pickle.load(f)
    engine = make_engine(step.url)
    table = Visit.__table__  # type: ignore[attr-defined]
    batches = ImportBatch.__table__  # type: ignore[attr-defined]
    columns = [*STORED_COLUMNS, "import_batch_id"]
    with engine.begin() as conn:
        batch_id = conn.execute(insert(batches).values(
            kind="visits", file_name=step.visits_csv, sha256="", status="applied", strict=False,
            started_at=utcnow()).returning(batches.c.id)).scalar_one()
    with engine.connect() as conn, conn.begin() as transaction:
        order = [columns.index(c) for c in batch_writer(conn, table, ("visit_id",), columns).columns]
        transaction.rollback()
    rows = [tuple((*row, batch_id)[i] for i in order) for row in rows]  # the writer's column order
    gc.disable()  # as import_csv does for the whole file
    with _Timed() as timed:
        with engine.begin() as conn:
            bulk = BulkLoad(conn, table, Path(step.visits_csv), _settings().import_index_rebuild_rows)
            writer = batch_writer(conn, table, ("visit_id",), columns)
            for first in range(0, len(rows), step.batch_rows):
                batch = rows[first:first + step.batch_rows]
                bulk.before_writing(len(batch))
                writer.stage(batch)
                writer.apply()
            bulk.finish()
        bulk.restore()
    engine.dispose()
    return timed.numbers


def _floor_rows(step: Step) -> Iterator[list[str]]:
    """The export's rows as the csv module reads them: the floor's only work besides the insert."""
    with open(step.visits_csv, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=";")
        next(reader)
        yield from reader


def _measure_floor_sqlite(step: Step) -> dict[str, float]:
    import sqlite3

    conn = sqlite3.connect(step.url.removeprefix("sqlite:///"))
    # Whatever monitor.db sets on its connections, so the floor gets the same durability and
    # cache; otherwise tuning those would move only one side.
    for name, value in step.sqlite_pragmas.items():
        conn.execute(f"PRAGMA {name}={value}")
    conn.execute(f"CREATE TABLE {FLOOR_TABLE} ({_floor_columns()})")
    conn.commit()
    sql = f"INSERT INTO {FLOOR_TABLE} VALUES ({', '.join('?' for _ in VISIT_HEADER)})"
    with _Timed() as timed:
        conn.executemany(sql, _floor_rows(step))
        conn.commit()
    conn.close()
    return timed.numbers


def _measure_floor_postgresql(step: Step) -> dict[str, float]:
    import psycopg

    with psycopg.connect(_libpq_url(step.url)) as conn:
        conn.execute(f"CREATE TABLE {FLOOR_TABLE} ({_floor_columns()})")
        conn.commit()
        with _Timed() as timed:
            with conn.cursor() as cur, cur.copy(f"COPY {FLOOR_TABLE} FROM STDIN") as copy:
                for row in _floor_rows(step):
                    copy.write_row(row)
            conn.commit()
    return timed.numbers


def _floor_columns() -> str:
    return ", ".join(f"{name} TEXT{' PRIMARY KEY' if name == 'visit_id' else ''}" for name in VISIT_HEADER)


def child_main(step: Step) -> int:
    if step.method == "import":
        numbers = _measure_import(step)
    elif step.method == "score":
        numbers = _measure_score(step)
    elif step.method == "database":
        numbers = _measure_database(step)
    elif step.backend == "sqlite":
        numbers = _measure_floor_sqlite(step)
    else:
        numbers = _measure_floor_postgresql(step)
    print(RESULT_MARKER + json.dumps(numbers), flush=True)
    return 0


def run_step(step: Step) -> Measurement:
    """Run one step in a fresh interpreter; its stderr goes straight to ours."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--_child", json.dumps(asdict(step))],
        stdout=subprocess.PIPE, text=True, check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_MARKER)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"{step.backend} {step.method}: the measuring process failed (exit {proc.returncode}); "
            "see its error output above"
        )
    numbers = json.loads(lines[-1].removeprefix(RESULT_MARKER))
    return Measurement(backend=step.backend, method=step.method, rows=step.rows, **numbers)


# --------------------------------------------------------------------------- databases


def _libpq_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def postgres_unreachable(server: str) -> str | None:
    """Why the server cannot be used, or None if it can."""
    import psycopg

    try:
        with psycopg.connect(f"{server}/postgres", connect_timeout=5):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


@contextlib.contextmanager
def fresh_database(backend: str, workdir: Path, label: str, pg_server: str) -> Iterator[str]:
    """A new, empty database for one step; PostgreSQL ones are dropped whatever happens."""
    if backend == "sqlite":
        path = workdir / f"{label}.sqlite"
        for stale in workdir.glob(f"{label}.sqlite*"):
            stale.unlink()
        yield f"sqlite:///{path}"
        return
    import psycopg

    name = f"monitor_bench_{os.getpid()}"
    admin = f"{pg_server}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{pg_server.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        # FORCE: a child that died mid-import may still hold a connection.
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


SQLITE_PRAGMAS = ("foreign_keys", "journal_mode", "synchronous", "cache_size", "temp_store", "mmap_size")


def prepare_database(url: str, suppliers_csv: Path) -> dict[str, Any]:
    """Migrate, load the supplier register; return the SQLite pragmas the engine's connections get."""
    from sqlalchemy import text

    from monitor.db import make_engine, upgrade_database
    from monitor.imports import SPECS, import_csv
    from monitor.pseudonyms import Pseudonymiser

    engine = make_engine(url)
    try:
        upgrade_database(engine)
        result = import_csv(engine, SPECS["suppliers"], suppliers_csv, pseudonymise=Pseudonymiser(BENCH_KEY))
        assert result.rows_accepted == N_SUPPLIERS, (
            f"supplier register: {result.rows_accepted} of {N_SUPPLIERS} rows accepted "
            f"({[(r.line, r.describe()) for r in result.rejected[:3]]})"
        )
        if engine.dialect.name != "sqlite":
            return {}
        with engine.connect() as conn:
            return {p: conn.execute(text(f"PRAGMA {p}")).scalar_one() for p in SQLITE_PRAGMAS}
    finally:
        engine.dispose()


def check_contents(url: str, expected_rows: int, what: str, table: str = "visits") -> None:
    """Assert the row count."""
    from sqlalchemy import text

    from monitor.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()
    assert count == expected_rows, (
        f"{what}: the {table} table holds {count:,} rows after the insert, expected {expected_rows:,}"
    )


def database_mb(url: str) -> float:
    """The visits table with its indexes, on disk."""
    from sqlalchemy import text

    from monitor.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                # dbstat is not in every build; the whole file is near enough (the visits are most of it).
                pages = conn.execute(text("PRAGMA page_count")).scalar_one()
                return float(pages * conn.execute(text("PRAGMA page_size")).scalar_one()) / 1e6
            return float(conn.execute(text("SELECT pg_total_relation_size('visits')")).scalar_one()) / 1e6
    finally:
        engine.dispose()


def check_sample(url: str, visits_csv: Path, every: int) -> int:
    """Every `every`-th row of the export parsed again by the row parser (visits.parse_visit) and
    compared with what the import stored: the fast path must store what the row path would."""
    from sqlalchemy import select

    from monitor.db import make_engine
    from monitor.imports.bounds import TimeBounds
    from monitor.imports.runner import ImportContext
    from monitor.imports.visits import parse_visit
    from monitor.models import Visit
    from monitor.pseudonyms import Pseudonymiser

    engine = make_engine(url)
    table = Visit.__table__  # type: ignore[attr-defined]
    checked = 0
    try:
        with engine.connect() as conn, open(visits_csv, encoding="utf-8-sig", newline="") as f:
            ctx = ImportContext(conn, Pseudonymiser(BENCH_KEY), TimeBounds.from_settings(_settings()))
            reader = csv.DictReader(f, delimiter=";")
            for n, row in enumerate(reader):
                if n % every:
                    continue
                expected = parse_visit(row, ctx)
                stored = conn.execute(select(table).where(table.c.visit_id == expected["visit_id"])).one()
                got = {c: getattr(stored, c) for c in expected}
                assert got == expected, f"visit {expected['visit_id']}: stored {got}, the row parser reads {expected}"
                checked += 1
    finally:
        engine.dispose()
    return checked


def _settings() -> Any:
    from monitor.config import Settings

    return Settings()


# --------------------------------------------------------------------------- driver


def measured_sources() -> list[Path]:
    """The files of `monitor` that an import runs: what these numbers are numbers of."""
    import monitor.db
    import monitor.imports  # noqa: F401  (loads everything import_csv uses)

    loaded = {
        Path(module.__file__)
        for name, module in list(sys.modules.items())
        if (name == "monitor" or name.startswith("monitor.")) and getattr(module, "__file__", None)
    }
    # Alembic loads the migrations by path, not as modules.
    return sorted(loaded | set((PROJECT_DIR / "monitor" / "migrations").rglob("*.py")))


def fingerprint(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path).encode())
        digest.update(path.read_bytes() if path.exists() else b"(deleted)")
    return digest.hexdigest()[:12]


def describe_checkout(files: list[Path]) -> str:
    git = ["git", "-C", str(PROJECT_DIR)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", *map(str, files)],
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "a directory that is not a git checkout"
    if not dirty:
        return f"commit {commit}"
    return f"commit {commit} + uncommitted changes: {', '.join(line[3:] for line in dirty)}"


FLOOR_NAMES = {"sqlite": "executemany", "postgresql": "COPY"}
# The floor inserts into a table of its own with the visits' columns and only a primary key
# (visit_id): no secondary index, no foreign key, nothing to validate.
FLOOR_TABLE = "visits_floor"


LABELS = {"import": "monitor import", "database": "database work alone", "score": "monitor score"}


def _label(backend: str, method: str) -> str:
    return f"{backend} {LABELS.get(method, 'raw ' + FLOOR_NAMES[backend])}"


def bench_backend(
    backend: str, files: GeneratedFiles, workdir: Path, args: argparse.Namespace
) -> list[Measurement]:
    measurements = []
    stored_rows = workdir / f"{backend}-stored-rows.pickle"
    methods = ["import", "database", "floor"]
    if files.rows > DATABASE_STEP_MAX_ROWS:
        methods.remove("database")
        print(f"  (no database step past {DATABASE_STEP_MAX_ROWS:,} rows: it holds its rows in memory)", flush=True)
    for method in methods:
        with fresh_database(backend, workdir, f"{backend}-{method}", args.pg_server) as url:
            pragmas = prepare_database(url, files.suppliers)
            step = Step(method, backend, url, str(files.visits), files.rows, args.batch_rows, pragmas,
                        str(stored_rows))
            measurement = run_step(step)
            label = _label(backend, method)
            check_contents(url, files.rows, label, FLOOR_TABLE if method == "floor" else "visits")
            if method == "import":
                checked = check_sample(url, files.visits, max(1, files.rows // 2_000))
                size_mb = database_mb(url)
                if "database" in methods:
                    export_stored_rows(url, stored_rows)
            print(
                f"  {label:<32} {measurement.seconds:8.2f} s  {measurement.rate:>10,.0f} rows/s  "
                f"peak RSS {measurement.peak_rss_mb:,.0f} MB",
                flush=True,
            )
            measurements.append(measurement)
            if method == "import" and args.score is not None:
                scored = run_step(Step("score", backend, url, str(files.visits), files.rows, args.score))
                groups = f"in groups of {args.score:,} visits" if args.score else "the whole window at once"
                print(f"  {_label(backend, 'score'):<32} {scored.seconds:8.2f} s  {groups}, "
                      f"peak RSS {scored.peak_rss_mb:,.0f} MB ({'under' if scored.peak_rss_mb < 4096 else 'OVER'} "
                      "the 4 GB aim)", flush=True)
                measurements.append(scored)
    stored_rows.unlink(missing_ok=True)
    print(f"  (the import stored what the row parser reads in all {checked:,} rows sampled; the visits take "
          f"{size_mb:,.0f} MB with their indexes, {size_mb / files.rows * 1e6:,.0f} MB per million)", flush=True)
    return measurements


def print_report(measurements: list[Measurement]) -> None:
    header = (
        f"{'backend':<11} {'method':<26} {'rows':>10} {'seconds':>9} {'rows/s':>10} {'CPU s':>8} "
        f"{'start RSS MB':>13} {'peak RSS MB':>12}"
    )
    print()
    print(header)
    print("-" * len(header))
    for m in measurements:
        method = LABELS.get(m.method, f"raw floor ({FLOOR_NAMES[m.backend]})")
        print(
            f"{m.backend:<11} {method:<26} {m.rows:>10,} {m.seconds:>9.2f} {m.rate:>10,.0f} {m.cpu_seconds:>8.2f} "
            f"{m.start_rss_mb:>13,.0f} {m.peak_rss_mb:>12,.0f}"
        )
    print()
    print("start RSS: the process before the timed part. CPU s: the measuring process's own CPU time, which on a "
          "shared machine moves less than the wall clock (SQLite's work is in it, the PostgreSQL server's is not)")
    by_backend: dict[str, dict[str, Measurement]] = {}
    for m in measurements:
        by_backend.setdefault(m.backend, {})[m.method] = m
    for backend, pair in by_backend.items():
        ratio = pair["import"].rate / pair["floor"].rate
        verdict = "meets" if ratio >= 0.5 else "BELOW"
        print(
            f"{backend}: import {pair['import'].rate:,.0f} rows/s = {ratio:.2f} x "
            f"raw {FLOOR_NAMES[backend]} floor ({pair['floor'].rate:,.0f} rows/s); "
            f"{verdict} the aim of >= 0.5"
        )
        if backend == "sqlite":
            cpu_ratio = pair["import"].cpu_rate / pair["floor"].cpu_rate
            print(f"{backend}: by CPU time, import = {cpu_ratio:.2f} x the floor")
        if "database" in pair:
            ceiling = pair["database"].rate / pair["floor"].rate
            print(
                f"{backend}: the database's own work for this import, without parsing, = {ceiling:.2f} x the "
                f"floor: the most any importer reaches with this schema; the import runs at "
                f"{pair['import'].rate / pair['database'].rate:.2f} x that"
            )


def row_count(text: str) -> int:
    """1000000, 1_000_000, 200k, 1M or 10M."""
    value = text.strip().lower().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(value[-1:], 1)
    try:
        return int(float(value.rstrip("km")) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a row count: {text!r} (e.g. 200k, 1M, 10M)") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=row_count, default=1_000_000,
        help="visit rows to generate: 200k, 1M (default), 3M, 10M (the 10M run takes most of an hour)",
    )
    parser.add_argument(
        "--backends", default=",".join(BACKENDS),
        help="comma-separated, from: sqlite, postgresql (default both)",
    )
    parser.add_argument(
        "--batch-rows", type=int, default=20_000, help="import_csv batch_rows (default 20,000)"
    )
    parser.add_argument(
        "--pg-server", default=DEFAULT_PG_SERVER,
        help=f"PostgreSQL server to create the scratch database on (default {DEFAULT_PG_SERVER})",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp dir with the CSVs and SQLite databases"
    )
    parser.add_argument(
        "--score", type=row_count, nargs="?", const=-1, default=None, metavar="GROUP_VISITS",
        help="also score the imported visits with the shipped rules (`monitor score`) and print its time and peak "
             "RSS; in groups of GROUP_VISITS visits (default: the setting MONITOR_SCORING_GROUP_VISITS; 0: all "
             "at once)",
    )
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = sorted(set(args.backends) - set(BACKENDS))
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(unknown)}; choose from {', '.join(BACKENDS)}")
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if args.score == -1:
        args.score = _settings().scoring_group_visits
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args._child:
        return child_main(Step(**json.loads(args._child)))

    backends = list(args.backends)
    if "postgresql" in backends:
        reason = postgres_unreachable(args.pg_server)
        if reason:
            print(f"postgresql: SKIPPED, cannot connect to {args.pg_server}: {reason}", flush=True)
            backends.remove("postgresql")
    if not backends:
        print("No backend to benchmark.")
        return 1

    sources = measured_sources()
    before = fingerprint(sources)
    print(f"Measuring the importer at {describe_checkout(sources)} (sources {before})", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="monitor-bench-"))
    try:
        started = time.perf_counter()
        files = generate(workdir, args.rows)
        size_mb = files.visits.stat().st_size / 1e6
        print(
            f"Generated {files.rows:,} visit rows ({size_mb:,.1f} MB) and {N_SUPPLIERS} suppliers in "
            f"{time.perf_counter() - started:.1f} s (not timed below) in {workdir}",
            flush=True,
        )
        measurements = []
        for backend in backends:
            print(f"{backend}:", flush=True)
            measurements += bench_backend(backend, files, workdir, args)
        print_report(measurements)
        # Each step imports `monitor` afresh, so an edit during a long run splits the results
        # between two versions of the code.
        if fingerprint(sources) != before:
            print(
                f"WARNING: the importer's code changed during the run (sources {before} -> "
                f"{fingerprint(sources)}); these numbers may mix two versions of it."
            )
    finally:
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
