"""What people do with an alert, step by step, and what is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from monitor.alerts.audit import audit_entries
from monitor.alerts.lifecycle import add_note, assign, confirm, dismiss, escalate, review, snooze
from monitor.alerts.listing import list_alerts, show_alert
from monitor.alerts.states import AlertError
from monitor.models import Alert
from monitor.ranking.score import DEFAULT_DISMISS_REASONS
from tests.alerts.scenario import NOW, rule_reason, score_run, supplier_ids
from tests.conftest import SUSPECT

ORG = SUSPECT["org_number"]


@pytest.fixture
def alerted(with_suppliers):
    """Hemtjänst Beta with a new alert at score 50."""
    score_run(with_suppliers, supplier_ids(with_suppliers)[ORG], 50, [rule_reason("door-observation-mismatch")])
    return with_suppliers


def act(engine, step, *args, **kwargs):
    with engine.begin() as conn:
        return step(conn, *args, **kwargs)


def detail(engine):
    with engine.connect() as conn:
        return show_alert(conn, ORG)


def test_an_alert_goes_from_new_to_review_with_an_assignee_to_escalated_to_confirmed(alerted):
    reviewed = act(alerted, review, ORG, "Anna", assignee="Bertil")
    assert (reviewed.state, reviewed.assignee) == ("under_granskning", "Bertil")
    assert act(alerted, escalate, ORG, "Bertil", "polisanmälan 2026-1234").state == "eskalerad"
    assert act(alerted, confirm, ORG, "Cecilia").state == "bekraftad"
    events = detail(alerted).events
    assert [(e["actor"], e["action"], e["before"].get("state"), e["after"]["state"]) for e in events] == [
        ("system", "open", None, "ny"),
        ("Anna", "review", "ny", "under_granskning"),
        ("Bertil", "escalate", "under_granskning", "eskalerad"),
        ("Cecilia", "confirm", "eskalerad", "bekraftad"),
    ]
    assert events[2]["reason"] == "polisanmälan 2026-1234"


def test_review_assigns_the_reviewer_when_no_one_else_is_named(alerted):
    assert act(alerted, review, ORG, "Anna").assignee == "Anna"


@pytest.mark.parametrize(("steps", "refused", "message"), [
    ([], escalate, "state 'ny' cannot go to 'eskalerad'"),
    ([], confirm, "state 'ny' cannot go to 'bekraftad'"),
    ([review, confirm], review, "allowed: none: the alert is closed"),
    ([review], review, "state 'under_granskning' cannot go to 'under_granskning'"),
], ids=["escalate-a-new-alert", "confirm-a-new-alert", "review-a-confirmed-alert", "review-twice"])
def test_a_step_the_state_does_not_allow_is_a_clear_error_and_changes_nothing(alerted, steps, refused, message):
    for step in steps:
        act(alerted, step, ORG, "Anna")
    before = detail(alerted).as_json()
    with pytest.raises(AlertError, match=message):
        act(alerted, refused, ORG, "Anna")
    assert detail(alerted).as_json() == before


def test_dismissing_needs_a_reason_from_the_list_and_words(alerted):
    with pytest.raises(AlertError, match=r"unknown dismiss reason 'tycker inte'.*forklarad"):
        act(alerted, dismiss, ORG, "Anna", "tycker inte", "nej", DEFAULT_DISMISS_REASONS)
    with pytest.raises(AlertError, match="why the alert is dismissed"):
        act(alerted, dismiss, ORG, "Anna", "forklarad", "  ", DEFAULT_DISMISS_REASONS)
    gone = act(alerted, dismiss, ORG, "Anna", "forklarad", "nytt låssystem", DEFAULT_DISMISS_REASONS)
    assert gone.state == "avskriven"
    shown = detail(alerted).as_json()
    assert shown["dismissal"] == {"reason": "forklarad", "text": "nytt låssystem", "score": 50.0,
                                  "kinds": ["rule:door-observation-mismatch"]}
    assert shown["events"][-1]["reason"] == "forklarad: nytt låssystem"


def test_someone_must_be_named_as_acting(alerted):
    with pytest.raises(AlertError, match="--by"):
        act(alerted, review, ORG, "  ")


def test_a_snooze_has_an_expiry_an_author_and_a_reason(alerted):
    with pytest.raises(AlertError, match="not in the future"):
        act(alerted, snooze, ORG, "Anna", NOW - timedelta(days=1), "vänta", now=NOW)
    with pytest.raises(AlertError, match="why the alert is snoozed"):
        act(alerted, snooze, ORG, "Anna", NOW + timedelta(days=7), "", now=NOW)
    act(alerted, snooze, ORG, "Anna", NOW + timedelta(days=7), "väntar på IVO", now=NOW)
    shown = detail(alerted).as_json()
    assert shown["snooze"]["by"] == "Anna" and shown["snooze"]["reason"] == "väntar på IVO"
    assert shown["snoozed_until"].startswith("2026-10-28")


def test_a_closed_alert_cannot_be_snoozed_or_assigned(alerted):
    act(alerted, dismiss, ORG, "Anna", "datafel", "fel export", DEFAULT_DISMISS_REASONS)
    with pytest.raises(AlertError, match="closed"):
        act(alerted, snooze, ORG, "Anna", NOW + timedelta(days=7), "x", now=NOW)
    with pytest.raises(AlertError, match="closed"):
        act(alerted, assign, ORG, "Anna", "Bertil")


def test_assignment_and_notes_are_kept_with_author_and_time(alerted):
    act(alerted, assign, ORG, "Anna", "Bertil")
    act(alerted, add_note, ORG, "Bertil", "Ringt verksamhetschefen, återkommer", now=NOW)
    shown = detail(alerted)
    assert shown.alert.assignee == "Bertil" and shown.alert.state == "ny"
    assert shown.notes == [{"at": "2026-10-21T11:00:00+02:00", "author": "Bertil",
                            "text": "Ringt verksamhetschefen, återkommer"}]


def test_every_change_and_note_is_an_audit_row_with_before_and_after(alerted):
    act(alerted, review, ORG, "Anna")
    act(alerted, assign, ORG, "Anna", "Bertil")
    act(alerted, snooze, ORG, "Bertil", NOW + timedelta(days=7), "väntar", now=NOW)
    act(alerted, add_note, ORG, "Bertil", "anteckning")
    with alerted.connect() as conn:
        rows = audit_entries(conn)
    assert [(r.actor, r.action, r.object_id) for r in rows] == [
        ("system", "alert.open", ORG), ("Anna", "alert.review", ORG), ("Anna", "alert.assign", ORG),
        ("Bertil", "alert.snooze", ORG), ("Bertil", "alert.note", ORG)]
    assign_row = rows[2]
    assert (assign_row.before["assignee"], assign_row.after["assignee"]) == ("Anna", "Bertil")


def test_the_list_filters_by_state_and_refuses_an_unknown_one(alerted):
    with alerted.connect() as conn:
        assert [a.state for a in list_alerts(conn, "ny")] == ["ny"]
        assert list_alerts(conn, "avskriven") == []
        with pytest.raises(AlertError, match="unknown state 'open'"):
            list_alerts(conn, "open")


def test_a_failed_step_leaves_no_trace(alerted):
    """The caller's transaction holds the change, its event and its audit row together."""
    with pytest.raises(RuntimeError), alerted.begin() as conn:
        review(conn, ORG, "Anna")
        raise RuntimeError("the process died")
    with alerted.connect() as conn:
        assert conn.execute(select(Alert.__table__.c.state)).scalar_one() == "ny"
        assert [r.action for r in audit_entries(conn)] == ["alert.open"]


def test_two_people_taking_the_same_step_at_once_are_served_one_after_the_other(alerted, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite lets one writer in at a time by itself")
    import threading

    outcome: dict[str, object] = {}
    with alerted.begin() as first:
        review(first, ORG, "Anna")

        def second() -> None:
            try:
                act(alerted, review, ORG, "Bertil")
                outcome["second"] = "reviewed"
            except AlertError as exc:
                outcome["second"] = str(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive()  # waiting for Anna's transaction
    thread.join(timeout=10)
    assert "cannot go to 'under_granskning'" in str(outcome["second"])
    assert detail(alerted).alert.assignee == "Anna"


def test_the_metrics_count_the_alerts_by_state(alerted):
    from monitor.jobs.metrics import metrics_text

    assert 'monitor_alerts{state="ny"} 1.0' in metrics_text(alerted).decode()
    act(alerted, review, ORG, "Anna")
    text = metrics_text(alerted).decode()
    assert 'monitor_alerts{state="under_granskning"} 1.0' in text and 'state="ny"' not in text
