"""The rows behind a finding, as the team drills down: pseudonymised, and every look logged."""

from __future__ import annotations

import pytest

from monitor.alerts.audit import audit_entries
from monitor.alerts.evidence import supplier_evidence
from monitor.alerts.states import AlertError
from monitor.scoring import run_scoring
from tests.alerts.scenario import NOW
from tests.conftest import ASTRID, HONEST, SUSPECT


@pytest.fixture
def scored(door_scenario, door_rules, scoring_config):
    run_scoring(door_scenario, door_rules, scoring_config, now=NOW)
    return door_scenario


def look(engine, org=SUSPECT["org_number"], actor="Anna", finding=None):
    with engine.begin() as conn:
        return supplier_evidence(conn, org, actor, finding)


def test_it_lists_the_visits_and_the_observation_window_behind_a_finding(scored, pseudonymise):
    result = look(scored)
    (finding,) = result.findings
    assert finding.rule_id == "door-observation-mismatch" and finding.severity == "critical"
    (visit,) = finding.visits
    assert (visit["visit_id"], visit["staff_id"], visit["registration_method"]) == ("V-WATCHED", "S1", "nfc")
    assert (visit["registered_start"], visit["registered_end"]) == ("2026-10-06T08:30:00+02:00",
                                                                     "2026-10-06T09:00:00+02:00")
    assert finding.observations == [{"observation_id": "O-OCT", "observed_from": "2026-10-06T08:00:00+02:00",
                                     "observed_to": "2026-10-06T10:00:00+02:00", "staff_seen": False}]
    assert finding.staff_ids == ["S1"]
    # The client is named only by pseudonym, and no address is shown.
    assert visit["client_ref"] == pseudonymise(ASTRID) != ASTRID
    assert ASTRID not in str(result.as_json()) and "Testgatan" not in str(result.as_json())


def test_every_look_is_audit_logged_with_who_and_what(scored):
    first = look(scored, actor="Anna")
    look(scored, actor="Bertil", finding=first.findings[0].finding_id)
    with scored.connect() as conn:
        rows = [r for r in audit_entries(conn) if r.action == "evidence.view"]
    assert [(r.actor, r.object_type, r.object_id) for r in rows] == [
        ("Anna", "supplier", SUSPECT["org_number"]), ("Bertil", "supplier", SUSPECT["org_number"])]
    assert rows[0].after == {"finding_ids": [first.findings[0].finding_id], "visits": 1, "observations": 1}


def test_a_finding_of_another_supplier_is_not_shown(scored):
    finding_id = look(scored).findings[0].finding_id
    with pytest.raises(AlertError, match=f"no finding {finding_id} of Omsorg Alfa AB"):
        look(scored, org=HONEST["org_number"], finding=finding_id)


def test_a_supplier_without_findings_has_an_empty_list(scored):
    assert look(scored, org=HONEST["org_number"]).findings == []


def test_a_visit_removed_since_is_named_as_missing(scored):
    from sqlalchemy import delete

    from monitor.models import Visit

    with scored.begin() as conn:
        conn.execute(delete(Visit.__table__).where(Visit.__table__.c.visit_id == "V-WATCHED"))
    (finding,) = look(scored).findings
    assert (finding.visits, finding.missing_visit_ids) == ([], ["V-WATCHED"])
