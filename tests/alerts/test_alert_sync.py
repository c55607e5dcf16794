"""What scoring runs do to the alerts: open, update, wake from snooze, re-open a dismissed one,
and nothing at all when the same evidence is scored again or a past window is back-filled."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from monitor.alerts.lifecycle import dismiss, review, snooze
from monitor.alerts.listing import list_alerts, show_alert
from monitor.models import Alert, AlertEvent, AuditEntry
from monitor.scoring import run_scoring
from tests.alerts.scenario import ALERTS, NOW, rule_reason, score_run, supplier_ids
from tests.conftest import HONEST, SUSPECT

DOOR = "door-observation-mismatch"
REASONS = {"ingen_avvikelse": "Granskat", "forklarad": "Förklarad"}


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()


def shown(engine, org: str = SUSPECT["org_number"]):
    with engine.connect() as conn:
        return show_alert(conn, org)


def test_a_supplier_passing_the_threshold_gets_a_new_alert_and_one_below_it_none(
        door_scenario, door_rules, scoring_config):
    outcome = run_scoring(door_scenario, door_rules, scoring_config, now=NOW)
    assert outcome.alerts.opened == 1
    with door_scenario.connect() as conn:
        (alert,) = list_alerts(conn)
    assert (alert.org_number, alert.state, alert.score) == (SUSPECT["org_number"], "ny", outcome.ranking[0].score)
    assert [r["id"] for r in alert.reasons] == [DOOR]
    detail = shown(door_scenario)
    assert [(e["actor"], e["action"], e["after"]["state"]) for e in detail.events] == [("system", "open", "ny")]


def test_scoring_the_same_evidence_again_changes_no_alert(door_scenario, door_rules, scoring_config):
    run_scoring(door_scenario, door_rules, scoring_config, now=NOW)
    with door_scenario.begin() as conn:
        review(conn, SUSPECT["org_number"], "Anna")
    before = (shown(door_scenario).as_json(), count(door_scenario, AlertEvent), count(door_scenario, AuditEntry))
    again = run_scoring(door_scenario, door_rules, scoring_config, now=NOW + timedelta(hours=1))
    assert (again.alerts.opened, again.alerts.woken, again.alerts.reopened) == (0, 0, 0)
    after = (shown(door_scenario).as_json(), count(door_scenario, AlertEvent), count(door_scenario, AuditEntry))
    assert after == before
    assert count(door_scenario, Alert) == 1


def test_syncing_the_same_run_twice_changes_nothing(with_suppliers):
    supplier = supplier_ids(with_suppliers)[SUSPECT["org_number"]]
    score_run(with_suppliers, supplier, 50, [rule_reason(DOOR)])
    from monitor.alerts.sync import sync_alerts
    from monitor.ranking.score import SupplierRisk

    with with_suppliers.begin() as conn:
        last = conn.execute(select(func.max(Alert.__table__.c.last_run_id))).scalar_one()
        again = sync_alerts(conn, last, [SupplierRisk(supplier, SUSPECT["org_number"], "", "", score=90)], ALERTS, NOW)
    assert again.as_json() == {"opened": 0, "updated": 0, "woken": 0, "reopened": 0}
    assert shown(with_suppliers).alert.score == 50


def test_a_backfill_never_opens_or_changes_an_alert(door_scenario, door_rules, scoring_config):
    backfill = run_scoring(door_scenario, door_rules, scoring_config, now=NOW,
                           since=date(2026, 10, 1), until=date(2026, 10, 31))
    assert backfill.ranking[0].score > ALERTS.threshold and count(door_scenario, Alert) == 0
    latest = run_scoring(door_scenario, door_rules, scoring_config, now=NOW)
    run_scoring(door_scenario, door_rules, scoring_config, now=NOW, since=date(2026, 10, 5), until=date(2026, 10, 7))
    with door_scenario.connect() as conn:
        last_run = conn.execute(select(Alert.__table__.c.last_run_id)).scalar_one()
    assert last_run == latest.run_id


def test_an_open_alert_follows_the_score_even_below_the_threshold(with_suppliers):
    supplier = supplier_ids(with_suppliers)[SUSPECT["org_number"]]
    score_run(with_suppliers, supplier, 50, [rule_reason(DOOR)])
    result = score_run(with_suppliers, supplier, 5, [rule_reason("short-visits", 2, "low")])
    assert result.updated == 1
    alert = shown(with_suppliers).alert
    assert (alert.state, alert.score, [r["id"] for r in alert.reasons]) == ("ny", 5, ["short-visits"])


def snoozed(engine, score: float = 50) -> int:
    supplier = supplier_ids(engine)[SUSPECT["org_number"]]
    score_run(engine, supplier, score, [rule_reason(DOOR)])
    with engine.begin() as conn:
        review(conn, SUSPECT["org_number"], "Anna", now=NOW)
        snooze(conn, SUSPECT["org_number"], "Anna", NOW + timedelta(days=30), "väntar på svar från IVO", now=NOW)
    return supplier


def test_a_snoozed_alert_stays_asleep_on_a_small_rise(with_suppliers):
    supplier = snoozed(with_suppliers)
    result = score_run(with_suppliers, supplier, 55, [rule_reason(DOOR)], now=NOW + timedelta(days=7))
    assert result.woken == 0
    assert shown(with_suppliers).alert.snoozed_until is not None


def test_a_snoozed_alert_wakes_when_the_score_rises_by_the_configured_amount(with_suppliers):
    supplier = snoozed(with_suppliers)
    result = score_run(with_suppliers, supplier, 61, [rule_reason(DOOR)], now=NOW + timedelta(days=7))
    assert result.woken == 1
    detail = shown(with_suppliers)
    assert detail.alert.snoozed_until is None and detail.alert.state == "under_granskning"
    wake = detail.events[-1]
    assert (wake["actor"], wake["action"]) == ("system", "wake")
    assert "score rose from 50 to 61" in wake["reason"]
    assert wake["after"]["cause"] == {"kind": "score_rise", "from": 50.0, "to": 61.0}


def test_a_snoozed_alert_wakes_on_a_new_high_finding_and_says_which(with_suppliers):
    supplier = snoozed(with_suppliers)
    result = score_run(with_suppliers, supplier, 52, [rule_reason(DOOR), rule_reason("staff-overlap")],
                       now=NOW + timedelta(days=7), new_findings=[("staff-overlap", "high")])
    assert result.woken == 1
    wake = shown(with_suppliers).events[-1]
    assert "new high finding: staff-overlap" in wake["reason"]
    assert (wake["after"]["cause"]["kind"], wake["after"]["cause"]["rule_id"]) == ("new_finding", "staff-overlap")


def test_a_new_low_finding_does_not_wake_a_snoozed_alert(with_suppliers):
    supplier = snoozed(with_suppliers)
    result = score_run(with_suppliers, supplier, 52, [rule_reason(DOOR), rule_reason("short-visits", 2, "low")],
                       now=NOW + timedelta(days=7), new_findings=[("short-visits", "low")])
    assert result.woken == 0


def test_a_snooze_runs_out_at_its_expiry(with_suppliers):
    supplier = snoozed(with_suppliers)
    score_run(with_suppliers, supplier, 50, [rule_reason(DOOR)], now=NOW + timedelta(days=29))
    assert shown(with_suppliers).alert.snoozed_until is not None
    score_run(with_suppliers, supplier, 50, [rule_reason(DOOR)], now=NOW + timedelta(days=31))
    detail = shown(with_suppliers)
    assert detail.alert.snoozed_until is None
    assert detail.events[-1]["action"] == "wake" and "snooze ran out" in detail.events[-1]["reason"]


def dismissed(engine, score: float = 50) -> int:
    supplier = supplier_ids(engine)[SUSPECT["org_number"]]
    score_run(engine, supplier, score, [rule_reason(DOOR)])
    with engine.begin() as conn:
        dismiss(conn, SUSPECT["org_number"], "Anna", "forklarad", "nytt låssystem i oktober", REASONS, now=NOW)
    return supplier


def test_a_dismissed_alert_stays_dismissed_on_more_of_the_same(with_suppliers):
    supplier = dismissed(with_suppliers)
    result = score_run(with_suppliers, supplier, 65, [rule_reason(DOOR, 40)])
    assert result.reopened == 0
    assert shown(with_suppliers).alert.state == "avskriven"


def test_a_dismissed_alert_reopens_on_evidence_of_another_kind(with_suppliers):
    supplier = dismissed(with_suppliers)
    result = score_run(with_suppliers, supplier, 52, [rule_reason(DOOR), rule_reason("staff-overlap", 5)])
    assert result.reopened == 1
    detail = shown(with_suppliers)
    assert detail.alert.state == "ny"
    assert (detail.events[-1]["action"], detail.events[-1]["reason"]) == (
        "reopen", "new evidence of another kind: rule:staff-overlap")
    assert detail.events[-1]["after"]["cause"] == {"kind": "new_evidence", "kinds": ["rule:staff-overlap"]}


def test_a_dismissed_alert_reopens_on_a_clearly_higher_score(with_suppliers):
    supplier = dismissed(with_suppliers)
    score_run(with_suppliers, supplier, 70, [rule_reason(DOOR, 60)])
    detail = shown(with_suppliers)
    assert detail.alert.state == "ny"
    assert "score rose from 50 when dismissed to 70" in detail.events[-1]["reason"]


def test_a_dismissed_alert_below_the_threshold_does_not_reopen_on_a_new_kind(with_suppliers):
    supplier = dismissed(with_suppliers)
    score_run(with_suppliers, supplier, 10, [rule_reason("staff-overlap", 5)])
    assert shown(with_suppliers).alert.state == "avskriven"


@pytest.mark.parametrize("org", [HONEST["org_number"]])
def test_a_supplier_with_no_alert_is_a_clear_error(with_suppliers, org):
    from monitor.alerts.states import AlertError

    with pytest.raises(AlertError, match="has no alert"):
        shown(with_suppliers, org)
