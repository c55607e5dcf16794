"""The municipality's exports: the five CSV files in the canonical column names, in import order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.csvoutput import CsvWriter

if TYPE_CHECKING:
    from monitor.demo.events import EventRow
    from monitor.demo.suppliers import Supplier

COLUMNS: dict[str, tuple[str, ...]] = {
    "suppliers": (
        "org_number", "name", "aliases", "contract_area", "contract_form", "subcategory",
        "contract_start", "contract_end",
    ),
    "staff": ("staff_id", "supplier_org_number", "relative_of_client_ids"),
    "visits": (
        "visit_id", "supplier_org_number", "staff_id", "client_id", "address", "latitude",
        "longitude", "planned_start", "planned_end", "registered_start", "registered_end",
        "registration_method", "service_type", "device_id", "recorded_at", "decided_minutes",
    ),
    "observations": (
        "observation_id", "address", "latitude", "longitude", "observed_from", "observed_to",
        "staff_seen", "observer", "note",
    ),
    "client-events": ("client_id", "event", "start", "end"),
}


@contextmanager
def csv_rows(path: Path, kind: str) -> Iterator[Callable[[Sequence[str]], object]]:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = CsvWriter(f, lineterminator="\n")
        writer.writerow(COLUMNS[kind])
        yield writer.writerow


def write_exports(
    files: dict[str, Path], suppliers: list[Supplier], event_rows: list[EventRow],
    observation_rows: list[list[str]],
) -> None:
    """Everything but the visits, which were streamed while they were generated."""
    supplier_rows = [
        (s.org, s.spec.name, ";".join(s.spec.aliases), s.spec.contract_area, s.spec.form,
         s.spec.subcategory, s.contract_start.isoformat(),
         s.contract_end.isoformat() if s.contract_end else "")
        for s in suppliers
    ]
    staff = [
        (staff_id, s.org, ";".join(s.relative_of.get(staff_id, ())))
        for s in suppliers for staff_id in s.staff
    ]
    events = [row for _, _, row in sorted(event_rows, key=lambda e: (e[0], e[1]))]
    content: dict[str, Iterable[Sequence[str]]] = {
        "suppliers": supplier_rows,
        "staff": staff,
        "observations": observation_rows,
        "client-events": events,
    }
    for kind, rows in content.items():
        with csv_rows(files[kind], kind) as write_row:
            for row in rows:
                write_row(row)
