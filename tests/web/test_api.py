"""The JSON API under /api/: the same authorization as the pages (session or bearer token),
the objects of the command line, and the lifecycle actions (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from monitor.alerts.audit import audit_entries
from monitor.web.accounts import issue_token
from tests.conftest import invoke
from tests.web.conftest import ORG


def bearer(scenario, name: str) -> dict[str, str]:
    with scenario.begin() as conn:
        return {"Authorization": f"Bearer {issue_token(conn, name, 'test')}"}


def test_no_credentials_is_401_and_a_wrong_token_too(client):
    response = client.get("/api/alerts")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/alerts", headers={"Authorization": "Bearer mon_wrong"}).status_code == 401


def test_the_alerts_are_the_objects_of_alerts_list_as_json(client, scenario, env):
    response = client.get("/api/alerts", headers=bearer(scenario, "vera"))
    assert response.status_code == 200
    assert response.json() == json.loads(invoke(env, "alerts", "list", "--format", "json").stdout)
    assert client.get("/api/alerts?state=avskriven", headers=bearer(scenario, "vera")).json() == []


def test_a_supplier_has_evidence_only_for_analysts(client, scenario):
    viewer = client.get(f"/api/suppliers/{ORG}", headers=bearer(scenario, "vera")).json()
    analyst = client.get(f"/api/suppliers/{ORG}", headers=bearer(scenario, "anna")).json()
    assert "evidence" not in viewer and viewer["alert"]["state"] == "ny"
    visits = [v["visit_id"] for f in analyst["evidence"]["findings"] for v in f["visits"]]
    assert "V-WATCHED" in visits
    assert analyst["explanation"]["score"] == viewer["explanation"]["score"]
    with scenario.connect() as conn:
        assert [r.actor for r in audit_entries(conn) if r.action == "evidence.view"] == ["anna"]
    assert client.get("/api/suppliers/000000-0000", headers=bearer(scenario, "vera")).status_code == 404


def test_a_viewer_may_not_act_and_an_analyst_may(client, scenario):
    body = {"reason": "datafel", "text": "fel i exporten"}
    assert client.post(f"/api/alerts/{ORG}/dismiss", json=body, headers=bearer(scenario, "vera")).status_code == 403
    response = client.post(f"/api/alerts/{ORG}/dismiss", json=body, headers=bearer(scenario, "anna"))
    assert response.status_code == 200 and response.json()["state"] == "avskriven"
    again = client.post(f"/api/alerts/{ORG}/confirm", json={}, headers=bearer(scenario, "anna"))
    assert again.status_code == 409 and "cannot go to" in again.json()["detail"]


def test_a_snooze_through_the_api_is_in_the_audit_log(client, scenario):
    response = client.post(f"/api/alerts/{ORG}/snooze", json={"until": "2099-01-01", "reason": "väntar"},
                           headers=bearer(scenario, "anna"))
    assert response.status_code == 200 and response.json()["snooze"]["reason"] == "väntar"
    with scenario.connect() as conn:
        assert ("anna", "alert.snooze") in [(r.actor, r.action) for r in audit_entries(conn)]


def test_with_a_session_the_api_wants_the_csrf_token_on_changes(as_user):
    client, csrf = as_user("anna")
    assert client.get("/api/alerts").status_code == 200
    assert client.post(f"/api/alerts/{ORG}/note", json={"text": "hej"}).status_code == 403
    assert client.post(f"/api/alerts/{ORG}/note", json={"text": "hej"}, headers={"X-CSRF-Token": csrf}).status_code == 200


def test_a_disabled_users_token_stops_working(client, scenario):
    from monitor.web.accounts import disable_user

    headers = bearer(scenario, "anna")
    with scenario.begin() as conn:
        disable_user(conn, "anna", "test")
    assert client.get("/api/alerts", headers=headers).status_code == 401


def test_the_openapi_document_is_served_without_login(client):
    document = client.get("/api/openapi.json").json()
    assert {"/alerts", "/suppliers/{org_number}", "/alerts/{org_number}/{action}"} <= set(document["paths"])
