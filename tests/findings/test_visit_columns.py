"""A run loads only the visit columns its rules read, and finds exactly what it finds with all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.config import PROJECT_DIR
from monitor.db import make_engine, upgrade_database
from monitor.demo import generate_municipality
from monitor.findings.detectors import DETECTORS, visit_columns_for
from monitor.findings.evaluate import run_rule
from monitor.findings.evidence import Evidence, loaded_columns
from monitor.findings.rules import load_rules
from monitor.imports import SPECS, import_csv
from monitor.pseudonyms import Pseudonymiser
from tests.conftest import TEST_KEY

RULES = [r for r in load_rules(PROJECT_DIR / "rules") if r.enabled]
DECLARED = [r for r in RULES if DETECTORS[r.kind].visit_columns is not None]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    directory: Path = tmp_path_factory.mktemp("demo")
    dataset = generate_municipality(directory / "town", seed=2026, weeks=2, scale=0.2)
    engine = make_engine(f"sqlite:///{directory / 'demo.sqlite'}")
    upgrade_database(engine)
    for kind in ("suppliers", "staff", "client-events", "observations", "visits"):
        result = import_csv(engine, SPECS[kind], dataset.files[kind], pseudonymise=Pseudonymiser(TEST_KEY.encode()))
        assert result.rows_rejected == 0
    yield engine
    engine.dispose()


def test_the_pair_detectors_declare_what_they_read():
    assert {"staff_overlap", "impossible_travel"} <= {r.kind for r in DECLARED}


@pytest.mark.parametrize("rule", DECLARED, ids=lambda r: r.id)
def test_a_rule_finds_the_same_with_only_its_columns_loaded(demo, rule):
    with demo.connect() as conn:
        everything = run_rule(Evidence(conn), rule)
        narrow = Evidence(conn, visit_columns=visit_columns_for([rule]))
        assert run_rule(narrow, rule) == everything
        assert len(loaded_columns(narrow.visit_columns)) < len(loaded_columns(None))


def test_a_rule_without_a_declaration_loads_every_column():
    undeclared = [r for r in RULES if DETECTORS[r.kind].visit_columns is None]
    if undeclared:
        assert visit_columns_for([*DECLARED, undeclared[0]]) is None
    assert len(loaded_columns(visit_columns_for(DECLARED))) < len(loaded_columns(None))
