"""A register state (an F-tax lapse, a liquidation, no valid permit) holds until a newer snapshot
says otherwise: a quarterly snapshot taken before the scoring window still counts, in full, in
`monitor score` and `monitor explain`; once a newer snapshot shows it mended, it no longer does."""

from __future__ import annotations

import json

from tests.conftest import ASTRID_HOME, SUSPECT, invoke, visit_row
from tests.findings.test_register_rules import snapshot

BETA = SUSPECT["org_number"]


def _reasons(env: dict[str, str]) -> dict[str, dict]:
    result = invoke(env, "explain", BETA, "--format", "json")
    assert result.exit_code == 0, result.output
    return {r["id"]: r for r in json.loads(result.stdout)["rules"]}


def _import(env: dict[str, str], write_csv, kind: str, rows: list[dict[str, str]], name: str) -> None:
    result = invoke(env, "import", kind, str(write_csv(name, rows)))
    assert result.exit_code == 0, result.output


def test_a_lapse_and_a_liquidation_seen_before_the_window_count_in_full_until_mended(env, write_csv):
    _import(env, write_csv, "suppliers", [
        {"org_number": BETA, "name": SUSPECT["name"], "aliases": "", "contract_area": "Hemtjänst",
         "contract_form": "LOV", "subcategory": "Äldreomsorg", "contract_start": "2024-01-01", "contract_end": ""}],
        "s.csv")
    # The latest visit on 6 October: the 13-week window starts on 13 July, after the July snapshot.
    visits = [visit_row(f"V{d:02d}", f"2026-10-{d:02d} 08:00", f"2026-10-{d:02d} 08:30") for d in range(1, 7)]
    _import(env, write_csv, "visits", visits, "v.csv")
    _import(env, write_csv, "registry", [
        snapshot("2026-04-01"), snapshot("2026-07-01", f_tax="nej", company_status="liquidation")], "r1.csv")
    assert invoke(env, "score").exit_code == 0
    reasons = _reasons(env)
    assert {"registration-lapsed", "company-status"} <= set(reasons)
    for rule in ("registration-lapsed", "company-status"):
        # Counted as current: no decay for the three months since the snapshot.
        assert reasons[rule]["strength"] >= 1.0, reasons[rule]
    alerts = json.loads(invoke(env, "alerts", "list", "--format", "json").output)
    assert BETA in {a["org_number"] for a in alerts}

    # A newer snapshot shows the F-tax back and the company active again: neither is current any more.
    _import(env, write_csv, "registry", [snapshot("2026-09-15")], "r2.csv")
    assert invoke(env, "score").exit_code == 0
    reasons = _reasons(env)
    for rule in ("registration-lapsed", "company-status"):
        assert rule not in reasons or reasons[rule]["strength"] < 0.5, reasons.get(rule)


def test_no_valid_permit_in_a_snapshot_before_the_window_still_counts(env, write_csv):
    _import(env, write_csv, "suppliers", [
        {"org_number": BETA, "name": SUSPECT["name"], "aliases": "", "contract_area": "HVB",
         "contract_form": "LOU", "subcategory": "Individ- och familjeomsorg", "contract_start": "2024-01-01",
         "contract_end": ""}], "s.csv")
    visits = [visit_row(f"V{d:02d}", f"2026-10-{d:02d} 08:00", f"2026-10-{d:02d} 08:30", address=ASTRID_HOME)
              for d in range(1, 7)]
    _import(env, write_csv, "visits", visits, "v.csv")
    permit = {"org_number": BETA, "snapshot_date": "2026-06-01", "unit": "Hem Beta", "permit_type": "HVB",
              "decision_date": "2020-05-01", "status": "revoked", "criticism_date": "", "criticism_area": ""}
    _import(env, write_csv, "permits", [permit], "p.csv")
    assert invoke(env, "score").exit_code == 0
    reasons = _reasons(env)
    assert "permit-missing" in reasons and reasons["permit-missing"]["strength"] >= 1.0, reasons
