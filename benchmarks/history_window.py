"""A year of history and its last quarter, for `detectors.py`'s window comparison.

One demo town of 13 weeks is generated, then laid four times end to end in time (each copy's
timestamps moved back a whole number of quarters, its visit and observation ids tagged), so the
year repeats the same suppliers, staff, clients and doors week after week, as a real history
does. The "quarter" database holds the last copy alone: the same weeks a default scoring run
judges in the year database.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from monitor.timestamps import STOCKHOLM

WEEKS_PER_QUARTER = 13
QUARTERS = 4
# The last quarter ends on Sunday 2026-11-29; the year starts 52 weeks before it.
LAST_QUARTER_START = date(2026, 8, 31)
TIME_COLUMNS = {
    "visits": ("planned_start", "planned_end", "registered_start", "registered_end", "recorded_at"),
    "client-events": ("start", "end"),
    "observations": ("observed_from", "observed_to"),
}
ID_COLUMNS = {"visits": ("visit_id",), "observations": ("observation_id",)}
IMPORT_ORDER = ("suppliers", "staff", "client-events", "observations", "visits")


def _shifted(text: str, weeks: int) -> str:
    """A timestamp or date moved back `weeks` weeks. Instants move by elapsed time, so the
    autumn night's repeated hour stays a valid interval (the demo writes UTC offsets)."""
    if not text or weeks == 0:
        return text
    if len(text) == 10:
        return (date.fromisoformat(text) - timedelta(weeks=weeks)).isoformat()
    moved = datetime.fromisoformat(text) - timedelta(weeks=weeks)
    if moved.tzinfo is None:
        return moved.isoformat(sep=" ", timespec="minutes")
    return moved.astimezone(STOCKHOLM).isoformat(timespec="minutes")


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        return next(reader), list(reader)


def write_history(directory: Path, quarters: int, seed: int, scale: float) -> dict[str, Path]:
    """The exports of `quarters` consecutive quarters (the last one last), as CSV files."""
    from monitor.demo import generate_municipality

    town = generate_municipality(directory / "town", seed=seed, weeks=WEEKS_PER_QUARTER, scale=scale,
                                 start=LAST_QUARTER_START)
    tables = {kind: _read(path) for kind, path in town.files.items()}
    files = {}
    for kind in IMPORT_ORDER:
        header, body = tables[kind]
        at = {name: i for i, name in enumerate(header)}
        rows = body if kind in ("suppliers", "staff") else []
        for back in range(quarters - 1, -1, -1) if kind not in ("suppliers", "staff") else ():
            for row in body:
                if kind == "client-events" and back and not row[at["end"]]:
                    continue  # a death or a move in an earlier copy would make every later copy's client absent
                copy = list(row)
                for column in TIME_COLUMNS.get(kind, ()):
                    if column in at:
                        copy[at[column]] = _shifted(copy[at[column]], back * WEEKS_PER_QUARTER)
                for column in ID_COLUMNS.get(kind, ()):
                    copy[at[column]] = f"Q{back}-{copy[at[column]]}"
                rows.append(copy)
        files[kind] = directory / f"{kind}.csv"
        with files[kind].open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    shutil.rmtree(directory / "town")
    return files


def history_path(out_dir: Path, quarters: int, seed: int, scale: float, sources: list[Path]) -> Path:
    digest = hashlib.sha256(f"{quarters}/{seed}/{scale}".encode())
    for path in sorted(sources):
        digest.update(path.read_bytes())
    return out_dir / f"history-{quarters}q-seed{seed}-scale{scale:g}-{digest.hexdigest()[:10]}.sqlite"


def build_history(path: Path, quarters: int, seed: int, scale: float, key: bytes) -> None:
    from monitor.db import make_engine, upgrade_database
    from monitor.imports import SPECS, import_csv
    from monitor.pseudonyms import Pseudonymiser

    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="monitor-history-", dir=path.parent) as tmp:
        files = write_history(Path(tmp), quarters, seed, scale)
        engine = make_engine(f"sqlite:///{building}")
        upgrade_database(engine)
        pseudonymise = Pseudonymiser(key)
        for kind, file in files.items():
            result = import_csv(engine, SPECS[kind], file, pseudonymise=pseudonymise, batch_rows=50_000)
            assert result.rows_rejected == 0, (
                f"{kind}: {result.rows_rejected} rows rejected, e.g. "
                f"{[(r.line, r.describe()) for r in result.rejected[:3]]}; fix the generator"
            )
        engine.dispose()
    building.rename(path)
    print(f"  built {path.name} ({quarters} quarters) in {time.perf_counter() - started:.1f} s", flush=True)
