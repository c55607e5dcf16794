"""The audit log and the alert history cannot be changed: not through the service layer (it
has no way to), and not by a statement sent through the application's connection either."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from monitor.alerts import audit as audit_module
from monitor.alerts.audit import audit_entries, record_audit
from monitor.models import AlertEvent, AuditEntry
from tests.alerts.scenario import NOW, rule_reason, score_run, supplier_ids
from tests.conftest import SUSPECT


@pytest.fixture
def logged(with_suppliers):
    score_run(with_suppliers, supplier_ids(with_suppliers)[SUSPECT["org_number"]], 50, [rule_reason("x")])
    return with_suppliers


@pytest.mark.parametrize("model", [AuditEntry, AlertEvent], ids=["audit_log", "alert_events"])
@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_or_remove_a_row(logged, model, change):
    table = model.__table__
    statement = (update(table).values(actor="someone else") if change == "update" else delete(table))
    with pytest.raises(DBAPIError, match="append-only"), logged.begin() as conn:
        conn.execute(statement)
    with logged.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 1
        assert conn.execute(select(table.c.actor)).scalar_one() == "system"


def test_raw_sql_is_refused_too(logged):
    with pytest.raises(DBAPIError, match="append-only"), logged.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE actor = 'system'"))


def test_the_service_layer_offers_only_adding_and_reading():
    public = {name for name in vars(audit_module) if not name.startswith("_") and callable(vars(audit_module)[name])}
    assert {name for name in public if name.startswith(("update", "delete", "remove", "edit"))} == set()


def test_the_log_reads_from_a_day_on(logged):
    with logged.begin() as conn:
        record_audit(conn, "Anna", "evidence.view", "supplier", SUSPECT["org_number"], at=NOW + timedelta(days=2))
    with logged.connect() as conn:
        assert [r.actor for r in audit_entries(conn)] == ["system", "Anna"]
        assert [r.actor for r in audit_entries(conn, since=NOW + timedelta(days=1))] == ["Anna"]
        assert audit_entries(conn, since=datetime(2030, 1, 1, tzinfo=NOW.tzinfo)) == []
