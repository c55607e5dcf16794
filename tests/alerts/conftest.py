"""Fixtures of the alert tests (see scenario.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from monitor.findings.rules import load_rules
from monitor.ranking.score import ScoringConfig, load_scoring_config
from tests.alerts.scenario import ALERTS, RULES_DIR, watch
from tests.conftest import HONEST, visit_row


@pytest.fixture
def door_scenario(load_evidence) -> Engine:
    visits = [visit_row("V-WATCHED", "2026-10-06 08:30", "2026-10-06 09:00"),
              visit_row("V-LATER", "2026-10-20 13:00", "2026-10-20 13:30"),
              visit_row("V-ALFA", "2026-10-20 13:00", "2026-10-20 13:30", supplier_org_number=HONEST["org_number"],
                        staff_id="A1", client_id="19350505-0002", address="Provvägen 22")]
    return load_evidence(visits=visits, observations=[watch("O-OCT", "2026-10-06")])


@pytest.fixture
def door_rules():
    return [r for r in load_rules(RULES_DIR) if r.kind == "door_observation_mismatch"]


@pytest.fixture
def scoring_config() -> ScoringConfig:
    return load_scoring_config(RULES_DIR).model_copy(update={"alerts": ALERTS})
