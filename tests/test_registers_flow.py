"""Register and invoice findings join the flow: the score, `monitor explain`, the alert and the
weekly digest, with spend outside contract summed per month there."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

from tests.conftest import HONEST, SUSPECT, import_personas, invoke


def _digest_text(outbox: Path) -> str:
    (path,) = sorted(outbox.glob("*.eml"))
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return message.get_body(("plain",)).get_content()


def test_a_lapsed_f_tax_and_spend_outside_contract_reach_explain_and_the_digest(env, write_csv):
    import_personas(env, write_csv)
    beta = {"org_number": SUSPECT["org_number"], "f_tax": "ja", "board_members": "19700101-0003"}
    registry = [{**beta, "snapshot_date": "2026-09-01"}, {**beta, "snapshot_date": "2026-10-05", "f_tax": "nej"},
                {**beta, "org_number": HONEST["org_number"], "snapshot_date": "2026-10-05"}]
    assert invoke(env, "import", "registry", str(write_csv("registry.csv", registry))).exit_code == 0
    invoices = [{"invoice_id": "F1", "supplier_org_number": HONEST["org_number"], "period": "2026-10",
                 "service_type": "hemtjänst", "amount": "10000", "invoice_date": "2026-10-06", "contract_area": ""},
                {"invoice_id": "F2", "supplier_org_number": "556778-8996", "period": "2026-10",
                 "service_type": "hemtjänst", "amount": "5000", "invoice_date": "2026-10-06", "contract_area": ""}]
    assert invoke(env, "import", "invoices", str(write_csv("invoices.csv", invoices))).exit_code == 0
    assert invoke(env, "score").exit_code == 0

    explained = json.loads(invoke(env, "explain", SUSPECT["org_number"], "--format", "json").stdout)
    rules = {r["id"]: r for r in explained["rules"]}
    assert "registration-lapsed" in rules
    text = invoke(env, "explain", SUSPECT["org_number"]).stdout
    assert "F-skatten saknas i registret 2026-10-05" in text and "registrerad 2026-09-01" in text
    alerts = json.loads(invoke(env, "alerts", "list", "--format", "json").stdout)
    assert SUSPECT["org_number"] in {a["org_number"] for a in alerts}

    assert invoke(env, "digest", "--force").exit_code == 0
    digest = _digest_text(Path(env["MONITOR_OUTBOX_DIR"]))
    assert "F-skatt, moms eller arbetsgivarregistrering saknas under pågående avtal" in digest
    assert ("2026-10: 5\u00a0000 kr av 15\u00a0000 kr utanför avtal – 5\u00a0000 kr hos 1 leverantörer utanför "
            "registret") in digest
    assert "leverantörstrohet 66,7 %" in digest
    assert "19700101" not in digest


def test_the_evidence_of_a_billing_finding_is_its_invoice_lines_and_is_audit_logged(env, write_csv):
    import_personas(env, write_csv)
    line = {"invoice_id": "F9", "supplier_org_number": SUSPECT["org_number"], "period": "2026-10",
            "service_type": "hemtjänst", "hours": "10", "amount": "5200", "contract_price": "450",
            "invoice_date": "2026-10-06"}
    other_service = {**line, "service_type": "städ", "amount": "4500"}
    assert invoke(env, "import", "invoices", str(write_csv("invoices.csv", [line, other_service]))).exit_code == 0
    assert invoke(env, "score").exit_code == 0
    shown = json.loads(invoke(env, "evidence", SUSPECT["org_number"], "--by", "Anna", "--format", "json").stdout)
    (finding,) = [f for f in shown["findings"] if f["rule_id"] == "price-above-contract"]
    assert [(x["invoice_id"], x["service_type"], x["amount"]) for x in finding["invoices"]] == [
        ("F9", "hemtjänst", 5200.0)]
    table = invoke(env, "evidence", SUSPECT["org_number"], "--by", "Anna").stdout
    assert "F9 (hemtjänst)" in table and "10 h, 5200 kr" in table
    audit = json.loads(invoke(env, "audit", "--format", "json").stdout)
    assert any(a["action"] == "evidence.view" and a["after"]["invoice_lines"] == 1 for a in audit)
