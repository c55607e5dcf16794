"""The rows behind a supplier's findings: the visits and door observations each finding lists.

Client references are shown as stored, i.e. as pseudonyms; addresses and observers' notes are
left out. Every look is an audit row (who, which supplier, which findings, how many rows),
since seeing evidence about a named supplier is itself something to account for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from monitor.alerts.audit import record_audit
from monitor.alerts.states import AlertError, check_actor
from monitor.imports.fields import org_number_as_stored
from monitor.labels import fold_label
from monitor.models import DoorObservation, Finding, Invoice, Supplier, Visit
from monitor.runs import findings_of_run, latest_run
from monitor.timestamps import local_iso

_VISIT_FIELDS = ("visit_id", "staff_id", "client_ref", "planned_start", "planned_end", "registered_start",
                 "registered_end", "registration_method", "service_type", "device_id", "recorded_at")
_OBSERVATION_FIELDS = ("observation_id", "observed_from", "observed_to", "staff_seen")
_INVOICE_FIELDS = ("invoice_id", "period", "service_type", "hours", "units", "amount", "contract_price",
                   "invoice_date", "contract_area")


@dataclass
class FindingEvidence:
    finding_id: int
    rule_id: str
    severity: str
    title: str
    period_start: str
    period_end: str
    visits: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    staff_ids: list[str] = field(default_factory=list)
    device_ids: list[str] = field(default_factory=list)
    # Ids the finding names whose rows are gone (removed by retention since).
    missing_visit_ids: list[str] = field(default_factory=list)
    # Register and invoice findings: the invoice lines, the snapshot dates compared, other suppliers named.
    invoices: list[dict[str, Any]] = field(default_factory=list)
    snapshots: list[str] = field(default_factory=list)
    org_numbers: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SupplierEvidence:
    org_number: str
    name: str
    run_id: int | None
    findings: list[FindingEvidence]

    def as_json(self) -> dict[str, Any]:
        return {"org_number": self.org_number, "name": self.name, "run_id": self.run_id,
                "findings": [f.as_json() for f in self.findings]}


def _shown(value: Any) -> Any:
    return local_iso(value) if hasattr(value, "astimezone") else value


def _rows(conn: Connection, table: Any, key: str, fields: tuple[str, ...], ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    columns = [table.c[name] for name in fields]
    return {row[0]: {name: _shown(value) for name, value in zip(fields, row, strict=True)}
            for row in conn.execute(select(*columns).where(table.c[key].in_(ids)))}


def _invoice_lines(conn: Connection, org_number: str, ids: list[str], args: dict[str, Any]) -> list[dict[str, Any]]:
    """The supplier's invoice lines with these invoice ids (a credit note is a line of its own), of
    the service and month the finding names: one invoice bills several services."""
    if not ids:
        return []
    service, month = args.get("service"), args.get("month")
    i = Invoice.__table__.c  # type: ignore[attr-defined]
    rows = conn.execute(select(*(i[name] for name in _INVOICE_FIELDS))
                        .where(i.org_number == org_number, i.invoice_id.in_(ids))
                        .order_by(i.period, i.invoice_id, i.service_type))
    lines = [{name: (value.isoformat() if hasattr(value, "isoformat") else value)
              for name, value in zip(_INVOICE_FIELDS, row, strict=True)} for row in rows]
    return [line for line in lines
            if (service is None or fold_label(line["service_type"]) == fold_label(str(service)))
            and (month is None or line["period"][:7] == month)]


def supplier_evidence(conn: Connection, org_number: str, actor: str, finding_id: int | None = None) -> SupplierEvidence:
    """The evidence of the supplier's findings in the latest regular scoring run (or of one
    finding of theirs, from any run), audit-logged as seen by `actor`."""
    actor = check_actor(actor)
    s = Supplier.__table__.c  # type: ignore[attr-defined]
    f = Finding.__table__  # type: ignore[attr-defined]
    stored = org_number_as_stored(org_number)
    supplier = conn.execute(select(s.id, s.org_number, s.name).where(s.org_number == stored)).first()
    if supplier is None:
        raise AlertError("no_supplier", org=org_number)
    run = latest_run(conn)
    if finding_id is not None:
        query = select(f).where(f.c.id == finding_id, f.c.supplier_id == supplier.id)
        found = conn.execute(query).all()
        if not found:
            raise AlertError("no_finding", finding=finding_id, name=supplier.name, org=supplier.org_number)
    elif run is None:
        raise AlertError("no_run")
    else:
        found = conn.execute(findings_of_run(run.id).where(f.c.supplier_id == supplier.id)
                             .order_by(f.c.period_start, f.c.id)).all()
    visits_table, observations_table = Visit.__table__, DoorObservation.__table__  # type: ignore[attr-defined]
    findings = []
    for row in found:
        evidence = row.evidence or {}
        visit_ids = [str(x) for x in evidence.get("visit_ids", [])]
        visits = _rows(conn, visits_table, "visit_id", _VISIT_FIELDS, visit_ids)
        observations = _rows(conn, observations_table, "observation_id", _OBSERVATION_FIELDS,
                             [str(x) for x in evidence.get("observation_ids", [])])
        findings.append(FindingEvidence(
            finding_id=row.id, rule_id=row.rule_id, severity=row.severity, title=row.title,
            period_start=local_iso(row.period_start), period_end=local_iso(row.period_end),
            visits=[visits[v] for v in visit_ids if v in visits],
            observations=list(observations.values()),
            staff_ids=[str(x) for x in evidence.get("staff_ids", [])],
            device_ids=[str(x) for x in evidence.get("device_ids", [])],
            missing_visit_ids=[v for v in visit_ids if v not in visits],
            invoices=_invoice_lines(conn, supplier.org_number, [str(x) for x in evidence.get("invoice_ids", [])],
                                    (row.detail or {}).get("args", {})),
            snapshots=[str(x) for x in evidence.get("snapshots", [])],
            org_numbers=[str(x) for x in evidence.get("org_numbers", [])],
        ))
    seen: dict[str, Any] = {
        "finding_ids": [x.finding_id for x in findings],
        "visits": sum(len(x.visits) for x in findings),
        "observations": sum(len(x.observations) for x in findings),
    }
    if any(x.invoices for x in findings):
        seen["invoice_lines"] = sum(len(x.invoices) for x in findings)
    record_audit(conn, actor, "evidence.view", "supplier", supplier.org_number, None, seen)
    return SupplierEvidence(supplier.org_number, supplier.name, run.id if run else None, findings)
