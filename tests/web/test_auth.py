"""Logging in and out, roles, CSRF and the security headers, over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.models import AuditEntry, WebSession
from monitor.web.headers import CONTENT_SECURITY_POLICY
from monitor.web.sessions import LoginLimiter
from tests.web.conftest import ORG, PASSWORD, form_token, log_in


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(f"/suppliers/{ORG}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=%2Fsuppliers%2F{ORG}"
    assert client.get("/login").status_code == 200


def test_the_health_endpoints_need_no_login(client):
    assert client.get("/healthz").text == "ok\n"
    assert client.get("/readyz").status_code == 200
    assert "jobs" in client.get("/status").json()
    assert client.get("/metrics").status_code == 200


def test_it_logs_in_with_a_signed_http_only_lax_cookie_and_goes_where_it_was_going(client):
    token = form_token(client.get(f"/login?next=/suppliers/{ORG}").text)
    response = client.post("/login", data={"name": "anna", "password": PASSWORD, "csrf_token": token,
                                           "next": f"/suppliers/{ORG}"})
    assert response.status_code == 303 and response.headers["location"] == f"/suppliers/{ORG}"
    cookie = response.headers["set-cookie"]
    assert "monitor_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    assert client.get(f"/suppliers/{ORG}").status_code == 200


def test_the_cookie_is_secure_over_https(app):
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        assert "Secure" in log_in(client, "anna").headers["set-cookie"]


def test_it_never_redirects_to_another_site_after_login(client):
    token = form_token(client.get("/login").text)
    response = client.post("/login", data={"name": "anna", "password": PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/"})
    assert response.headers["location"] == "/alerts"


def test_a_wrong_password_is_refused_with_the_same_words_as_an_unknown_name(client):
    wrong, unknown = log_in(client, "anna", "fel lösenord här"), log_in(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Fel användarnamn eller lösenord." in wrong.text and "Fel användarnamn eller lösenord." in unknown.text
    assert "monitor_session" not in wrong.headers.get("set-cookie", "")


def test_a_failed_login_is_audit_logged_without_a_name_that_is_no_user(client, scenario):
    log_in(client, "anna", "fel lösenord här")
    log_in(client, "Sommar2026!", "fel lösenord här")  # a password typed in the name field
    with scenario.connect() as conn:
        rows = conn.execute(select(AuditEntry.__table__).where(  # type: ignore[attr-defined]
            AuditEntry.__table__.c.action == "session.login_failed")).all()  # type: ignore[attr-defined]
    assert [(r.actor, r.object_id, r.after["name"]) for r in rows] == [
        ("web:anonym", "anna", "known"), ("web:anonym", "", "unknown")]
    assert all(r.after["address"] for r in rows)
    assert "Sommar2026" not in repr(rows)


def test_logins_are_limited_per_account_even_with_the_right_password_afterwards(client):
    for _ in range(5):
        assert log_in(client, "anna", "fel lösenord här").status_code == 401
    blocked = log_in(client, "anna")
    assert blocked.status_code == 429 and "För många misslyckade inloggningar" in blocked.text
    assert log_in(client, "vera").status_code == 303  # another account from the same address still may


def test_logins_are_limited_per_address(client):
    for i in range(20):
        log_in(client, f"guess{i}", "fel lösenord här")
    assert log_in(client, "vera").status_code == 429


def test_a_login_form_without_its_token_is_refused(client):
    client.get("/login")
    response = client.post("/login", data={"name": "anna", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403


def test_logging_out_ends_the_session_on_the_server(as_user, scenario):
    client, csrf = as_user("anna")
    cookie = client.cookies.get("monitor_session")
    assert client.post("/logout", data={"csrf_token": csrf}).headers["location"] == "/login"
    client.cookies.set("monitor_session", cookie)  # a copy of the old cookie is worth nothing
    assert client.get("/alerts").status_code == 303
    with scenario.connect() as conn:
        assert conn.execute(select(WebSession.__table__)).all() == []  # type: ignore[attr-defined]
        actions = [r.action for r in conn.execute(select(AuditEntry.__table__))]  # type: ignore[attr-defined]
    assert "session.login" in actions and "session.logout" in actions


def test_a_change_with_a_wrong_or_missing_csrf_token_is_refused(as_user):
    client, csrf = as_user("anna")
    wrong = client.post(f"/suppliers/{ORG}/note", data={"text": "hej", "csrf_token": csrf[:-2] + "xx"})
    missing = client.post(f"/suppliers/{ORG}/note", data={"text": "hej"})
    assert wrong.status_code == missing.status_code == 403
    assert "CSRF" in wrong.text
    header = client.post(f"/suppliers/{ORG}/note", data={"text": "hej"}, headers={"X-CSRF-Token": csrf})
    assert header.status_code == 303


def test_a_viewer_sees_no_buttons_and_no_evidence_and_a_forged_post_is_refused(as_user):
    client, csrf = as_user("vera")
    page = client.get(f"/suppliers/{ORG}").text
    assert 'data-action="' not in page and "V-WATCHED" not in page
    assert "Underlaget visas för handläggare och administratörer." in page
    response = client.post(f"/suppliers/{ORG}/dismiss", data={"reason": "datafel", "text": "x", "csrf_token": csrf})
    assert response.status_code == 403
    assert client.get("/audit").status_code == 403


def test_every_page_carries_the_security_headers(as_user):
    client, _ = as_user("adam")
    for path in ("/login", "/alerts", f"/suppliers/{ORG}", "/rules", "/feeds", "/audit", "/healthz"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"


def test_pages_have_no_inline_script_or_event_handlers(as_user):
    client, _ = as_user("adam")
    for path in ("/alerts", f"/suppliers/{ORG}", "/rules", "/feeds", "/audit"):
        html = client.get(path).text.lower()
        assert "<script>" not in html and " onerror=" not in html and " onclick=" not in html, path
        assert '<script src="/static/htmx.min.js"' in html


def test_a_disabled_user_is_logged_out_at_once(as_user, scenario):
    from monitor.web.accounts import disable_user

    client, _ = as_user("anna")
    with scenario.begin() as conn:
        disable_user(conn, "anna", "test")
    assert client.get("/alerts").status_code == 303
    assert log_in(client, "anna").status_code == 401


def test_a_session_ends_when_it_expires(as_user, scenario):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    client, _ = as_user("anna")
    sessions = WebSession.__table__  # type: ignore[attr-defined]
    with scenario.begin() as conn:
        conn.execute(update(sessions).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/alerts").status_code == 303


def test_attempts_sent_at_the_same_moment_get_no_more_password_checks_than_the_limit():
    limiter = LoginLimiter(per_account=5, per_address=20, window_seconds=900)
    # Sixteen requests in flight at once: each is let in or refused before any password is checked.
    tickets = [limiter.attempt("anna", "10.0.0.1") for _ in range(16)]
    assert sum(t is not None for t in tickets) == 5


def test_a_right_password_clears_the_account_and_does_not_count_against_the_address():
    limiter = LoginLimiter(per_account=5, per_address=3, window_seconds=900)
    for _ in range(3):
        ticket = limiter.attempt("anna", "10.0.0.1")
        assert ticket is not None
        limiter.succeeded("anna", "10.0.0.1", ticket)
    assert limiter.attempt("vera", "10.0.0.1") is not None


def test_refused_attempts_under_ever_new_names_do_not_grow_the_limiters_memory():
    limiter = LoginLimiter(per_account=5, per_address=20, window_seconds=900)
    for i in range(50_000):
        limiter.attempt(f"guess{i}", "10.0.0.1")
    assert len(limiter) <= 21  # the address and the twenty names it was let in to try


def test_a_form_posted_after_the_session_ended_returns_to_its_page_after_login(client):
    page = f"http://testserver/suppliers/{ORG}"
    plain = client.post(f"/suppliers/{ORG}/note", data={"text": "x", "csrf_token": "x"}, headers={"Referer": page})
    assert plain.status_code == 303 and plain.headers["location"] == f"/login?next=%2Fsuppliers%2F{ORG}"
    htmx = client.post(f"/suppliers/{ORG}/note", data={"text": "x", "csrf_token": "x"},
                       headers={"HX-Request": "true", "HX-Current-URL": page})
    # htmx is told to go to the login page itself, not handed it to swap into the alert panel.
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == f"/login?next=%2Fsuppliers%2F{ORG}"
    elsewhere = client.post(f"/suppliers/{ORG}/note", data={"text": "x"}, headers={"Referer": "https://evil.example/x"})
    assert elsewhere.headers["location"] == "/login?next=%2Falerts"
