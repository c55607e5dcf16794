"""Fixtures of the digest tests: a week of evidence, scored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.config import PROJECT_DIR
from monitor.findings.rules import load_rules
from monitor.imports import SPECS, import_csv
from monitor.pseudonyms import Pseudonymiser
from monitor.ranking.score import load_scoring_config
from monitor.scoring import run_scoring
from tests.conftest import ASTRID_HOME, BERTIL, BERTIL_HOME, HONEST, SUSPECT, supplier_row, visit_row

RULES_DIR = PROJECT_DIR / "rules"
SCRIPTED = {"org_number": "556036-0793", "name": "<script>alert(1)</script> Omsorg AB"}


@pytest.fixture
def now() -> datetime:
    # The digest lists the imports of the last seven days, which are stamped with the real clock.
    return datetime.now(UTC)


@pytest.fixture
def scored(engine: Engine, write_csv: Callable[..., Path], pseudonymise: Pseudonymiser):
    """Evidence for one week, scored: `flagged` registered a visit at Astrid's door while it was watched."""

    def score(flagged: dict[str, str] = SUSPECT) -> Engine:
        suppliers = [supplier_row(**s) for s in (HONEST, SUSPECT, SCRIPTED)]
        observation = {"observation_id": "O1", "address": ASTRID_HOME, "latitude": "59.2301",
                       "longitude": "17.9802", "observed_from": "2026-10-06 08:00",
                       "observed_to": "2026-10-06 10:00", "staff_seen": "nej", "observer": "Team Syd",
                       "note": f"Ingen personal vid {ASTRID_HOME}"}
        visits = [visit_row("V1", "2026-10-06 08:30", "2026-10-06 09:00",
                            supplier_org_number=flagged["org_number"]),
                  visit_row("V2", "2026-10-06 12:00", "2026-10-06 12:30", supplier_org_number=HONEST["org_number"],
                            client_id=BERTIL, address=BERTIL_HOME, latitude="59.3000", longitude="18.1000")]
        for kind, rows in (("suppliers", suppliers), ("observations", [observation]), ("visits", visits)):
            result = import_csv(engine, SPECS[kind], write_csv(f"{kind}.csv", rows), pseudonymise=pseudonymise)
            assert result.rows_rejected == 0, result.rejected
        run_scoring(engine, load_rules(RULES_DIR), load_scoring_config(RULES_DIR))
        return engine

    return score
