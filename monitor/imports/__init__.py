"""CSV exports -> evidence rows. One module per source; runner.py does the streaming."""

from monitor.imports import client_events, invoices, observations, permits, registry, staff, suppliers, visits
from monitor.imports.csvfile import CsvImportError
from monitor.imports.mapping import ColumnMapping, MappingError, load_mapping
from monitor.imports.runner import ImportResult, ImportSpec, import_csv

SPECS: dict[str, ImportSpec] = {
    spec.kind: spec
    for spec in (
        suppliers.SPEC,
        staff.SPEC,
        visits.SPEC,
        observations.SPEC,
        client_events.SPEC,
        registry.SPEC,
        permits.SPEC,
        invoices.SPEC,
    )
}

__all__ = [
    "SPECS",
    "ColumnMapping",
    "CsvImportError",
    "ImportResult",
    "ImportSpec",
    "MappingError",
    "import_csv",
    "load_mapping",
]
