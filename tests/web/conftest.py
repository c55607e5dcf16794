"""Fixtures of the web tests: the door scenario scored, three users, the app in a TestClient,
and the same app served by uvicorn on a loopback port for the browser."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from monitor.config import PROJECT_DIR, Settings, load_settings
from monitor.jobs.schedule import load_schedule
from monitor.web.accounts import add_user
from monitor.web.app import create_app
from tests.alerts.scenario import watch
from tests.conftest import HONEST, SUSPECT, TEST_KEY, invoke, visit_row

PASSWORD = "korrekt häst batteri"
USERS = {"anna": "analyst", "vera": "viewer", "adam": "admin"}
ORG = SUSPECT["org_number"]
OTHER = HONEST["org_number"]


@pytest.fixture
def web_settings(db_url: str, tmp_path) -> Settings:
    return load_settings({
        "MONITOR_DATABASE_URL": db_url, "MONITOR_PSEUDONYM_KEY": TEST_KEY,
        "MONITOR_RULES_DIR": str(PROJECT_DIR / "rules"), "MONITOR_FEEDS_FILE": str(PROJECT_DIR / "feeds.yaml"),
        "MONITOR_OUTBOX_DIR": str(tmp_path / "outbox"), "MONITOR_WEB_SECRET_KEY": "x" * 40,
    })


@pytest.fixture
def scenario(load_evidence, env) -> Engine:
    """Hemtjänst Beta registered a visit while the team watched the door and saw nobody: scored,
    it has an alert; Omsorg Alfa has none. Anna (analyst), Vera (viewer) and Adam (admin) may log in."""
    visits = [visit_row("V-WATCHED", "2026-10-06 08:30", "2026-10-06 09:00"),
              visit_row("V-LATER", "2026-10-20 13:00", "2026-10-20 13:30"),
              visit_row("V-ALFA", "2026-10-20 13:00", "2026-10-20 13:30", supplier_org_number=OTHER,
                        staff_id="A1", client_id="19350505-0002", address="Provvägen 22")]
    engine = load_evidence(visits=visits, observations=[watch("O-OCT", "2026-10-06")])
    result = invoke(env, "score")
    assert result.exit_code == 0, result.output
    with engine.begin() as conn:
        for name, role in USERS.items():
            add_user(conn, name, role, PASSWORD, "test")
    return engine


@pytest.fixture
def app(scenario: Engine, web_settings: Settings) -> FastAPI:
    return create_app(scenario, load_schedule(PROJECT_DIR / "schedule.yaml"), lambda: True, web_settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def log_in(client: TestClient, name: str, password: str = PASSWORD):
    token = form_token(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/alerts"})


@pytest.fixture
def as_user(client: TestClient):
    """log in as one of USERS; returns the client and the session's CSRF token."""

    def login(name: str) -> tuple[TestClient, str]:
        assert log_in(client, name).status_code == 303
        return client, form_token(client.get("/alerts").text)

    return login


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread; its base URL."""
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.started
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=5)
