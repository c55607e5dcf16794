"""`monitor evidence ORG`: the visits and door observations behind a supplier's findings.

Client references stay pseudonyms; every call is written to the audit log with who asked."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from monitor.cli.common import console, print_table, state_of, translator, user_errors
from monitor.csvoutput import CsvWriter
from monitor.texts import Texts

TEXTS = Texts(
    sv={"title": "Fynd {id}: {rule} ({severity}), {start} - {end}", "none": "{name} ({org}) har inga fynd.",
        "staff": "Personal: {ids}", "devices": "Enheter: {ids}", "missing": "Borttagna besök: {ids}",
        "visit": "besök", "observation": "dörrobservation", "col_kind": "Typ", "col_id": "Id",
        "col_staff": "Personal", "col_client": "Brukare (pseudonym)", "col_start": "Från", "col_end": "Till",
        "col_method": "Registrering", "invoice": "fakturarad", "snapshots": "Registeruttag: {ids}",
        "org_numbers": "Andra leverantörer: {ids}"},
    en={"title": "Finding {id}: {rule} ({severity}), {start} - {end}", "none": "{name} ({org}) has no findings.",
        "staff": "Staff: {ids}", "devices": "Devices: {ids}", "missing": "Visits since removed: {ids}",
        "visit": "visit", "observation": "door observation", "col_kind": "Kind", "col_id": "Id",
        "col_staff": "Staff", "col_client": "Client (pseudonym)", "col_start": "From", "col_end": "To",
        "col_method": "Registration", "invoice": "invoice line", "snapshots": "Register snapshots: {ids}",
        "org_numbers": "Other suppliers: {ids}"},
)
CSV_HEADER = ["finding_id", "rule_id", "kind", "id", "staff_id", "client_ref", "start", "end",
              "registration_method", "device_id", "staff_seen"]


class EvidenceFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _short(text: str | None) -> str:
    return (text or "")[:16].replace("T", " ")


@user_errors
def evidence(
    ctx: typer.Context,
    org_number: Annotated[str, typer.Argument(help="The supplier's org number, with or without hyphen.")],
    by: Annotated[str, typer.Option("--by", help="Who is looking (written to the audit log).")],
    finding: Annotated[int | None, typer.Option("--finding", help="Only this finding (its id).")] = None,
    format: Annotated[EvidenceFormat, typer.Option("--format", "-f", help="table, json or csv.")]
    = EvidenceFormat.table,
) -> None:
    """The rows behind each finding of the supplier in the latest scoring run: visit ids, staff
    ids, times, registration method, the observation window. Audit-logged."""
    from monitor.alerts.evidence import supplier_evidence

    state = state_of(ctx)
    t = translator(ctx, TEXTS)
    with state.engine(create=False).begin() as conn:
        result = supplier_evidence(conn, org_number, by, finding)
    if format is EvidenceFormat.json:
        sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n")
        return
    if format is EvidenceFormat.csv:
        writer = CsvWriter(sys.stdout)
        writer.writerow(CSV_HEADER)
        for f in result.findings:
            for v in f.visits:
                writer.writerow([f.finding_id, f.rule_id, "visit", v["visit_id"], v["staff_id"], v["client_ref"],
                                 v["registered_start"], v["registered_end"], v["registration_method"],
                                 v["device_id"], None])
            for o in f.observations:
                writer.writerow([f.finding_id, f.rule_id, "observation", o["observation_id"], None, None,
                                 o["observed_from"], o["observed_to"], None, None, o["staff_seen"]])
            for line in f.invoices:
                writer.writerow([f.finding_id, f.rule_id, "invoice", line["invoice_id"], None, None,
                                 line["period"], line["invoice_date"], None, None, None])
        return
    if not result.findings:
        console.print(t("none", name=result.name, org=result.org_number), highlight=False, markup=False)
        return
    for f in result.findings:
        table = Table(title=t("title", id=f.finding_id, rule=f.rule_id, severity=f.severity,
                              start=_short(f.period_start), end=_short(f.period_end)))
        for key in ("col_kind", "col_id", "col_staff", "col_client", "col_start", "col_end", "col_method"):
            table.add_column(t(key))
        for o in f.observations:
            table.add_row(t("observation"), escape(o["observation_id"]), "", "", _short(o["observed_from"]),
                          _short(o["observed_to"]), "")
        for v in f.visits:
            table.add_row(t("visit"), escape(v["visit_id"]), escape(v["staff_id"]), v["client_ref"][:12],
                          _short(v["registered_start"]), _short(v["registered_end"]), v["registration_method"])
        for line in f.invoices:
            # The month billed for and the invoice's date; hours and amount where the method goes.
            hours = "" if line["hours"] is None else f"{line['hours']:g} h, "
            table.add_row(t("invoice"), escape(f"{line['invoice_id']} ({line['service_type']})"), "", "",
                          line["period"][:7], line["invoice_date"], f"{hours}{line['amount']:g} kr")
        print_table(table)
        for key, ids in (("staff", f.staff_ids), ("devices", f.device_ids), ("missing", f.missing_visit_ids),
                         ("snapshots", f.snapshots), ("org_numbers", f.org_numbers)):
            if ids:
                console.print(t(key, ids=", ".join(ids)), highlight=False, markup=False)
