"""The demo's register and billing schemes: a lapsed F-tax registration with a churning board,
hours billed beyond the registered ones, and spend outside contract each get an alert, while
their honest look-alikes (a name change, a single board change, an invoice corrected by a
credit note) get no register or billing finding. Spend outside the register shows in the digest.

The schemes sit on ordinary honest suppliers, so the demo is scaled to keep some (0.6)."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from monitor.cli import app
from monitor.db import make_engine
from monitor.demo import DemoDataset, generate_municipality
from monitor.demo.registers import REGISTER_SCHEMES
from monitor.findings.detectors import REGISTER_KINDS
from monitor.findings.rules import load_rules
from tests.test_demo_detection import RULES_DIR

SCALE, WEEKS, SEED = 0.6, 4, 2026
KINDS_OF_SCHEME = {
    "lapsed_registration": {"registration_lapsed", "board_churn"},
    "billed_hours": {"billed_vs_registered"},
    "off_contract_spend": {"purchases_outside_contract", "price_above_contract"},
}
runner = CliRunner()


@dataclass(frozen=True)
class Demo:
    dataset: DemoDataset
    findings: set[tuple[str, str]]  # (org number, rule kind)
    alerted: set[str]
    digest: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    directory = tmp_path_factory.mktemp("demo-registers")
    db_url = f"sqlite:///{directory / 'monitor.db'}"
    env = {"MONITOR_RULES_DIR": str(RULES_DIR)}
    args = ["--db", db_url, "demo", "--dir", str(directory), "--scale", str(SCALE), "--weeks", str(WEEKS),
            "--seed", str(SEED)]
    result = runner.invoke(app, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "avvisades" not in result.output, result.output
    alerts = runner.invoke(app, ["--db", db_url, "alerts", "list", "--format", "json"], env=env,
                           catch_exceptions=False)
    dataset = generate_municipality(directory / "planted", seed=SEED, weeks=WEEKS, scale=SCALE)
    kind_of_rule = {rule.id: rule.kind for rule in load_rules(RULES_DIR)}
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "select distinct s.org_number, f.rule_id from findings f join suppliers s on s.id = f.supplier_id"
        )).all()
    engine.dispose()
    (eml,) = sorted((directory / "outbox").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    return Demo(dataset, {(org, kind_of_rule[rule]) for org, rule in rows},
                {a["org_number"] for a in json.loads(alerts.stdout)}, message.get_body(("plain",)).get_content())


def _org(demo: Demo, scheme: str) -> str:
    return next(org for org, planted in demo.dataset.planted.items() if planted == scheme)


@pytest.mark.parametrize("scheme", REGISTER_SCHEMES)
def test_each_register_scheme_is_found_by_its_rules_and_gets_an_alert(demo, scheme):
    org = _org(demo, scheme)
    found = {kind for o, kind in demo.findings if o == org}
    assert found == KINDS_OF_SCHEME[scheme]
    assert org in demo.alerted


def test_no_register_or_billing_rule_flags_an_honest_supplier_or_look_alike(demo):
    assert set(demo.dataset.register_look_alikes.values()) == {"name_change", "board_change", "credit_note"}
    flagged = sorted((kind, org) for org, kind in demo.findings
                     if kind in REGISTER_KINDS and org not in demo.dataset.planted)
    assert flagged == []


def test_the_digest_sums_the_spend_outside_contract_per_month(demo):
    assert "Köp utanför avtal per månad (leverantörstrohet):" in demo.digest
    assert "hos 3 leverantörer utanför registret" in demo.digest
