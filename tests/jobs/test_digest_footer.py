"""A failing service job is named in the next digest's footer, in the text and the HTML part."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from monitor.alerting.digest import send_digest
from monitor.config import PROJECT_DIR
from monitor.findings.rules import load_rules
from monitor.jobs.runs import finish_run, start_run
from monitor.ranking.score import load_scoring_config
from monitor.scoring import run_scoring
from tests.conftest import visit_row

RULES = PROJECT_DIR / "rules"


def digest_parts(load_evidence, settings) -> tuple[str, str]:
    engine = load_evidence(visits=[visit_row("V1", "2026-10-06 08:30", "2026-10-06 09:00")])
    run_scoring(engine, load_rules(RULES), load_scoring_config(RULES))
    send_digest(engine, settings, load_scoring_config(RULES), datetime.now(UTC))
    (eml,) = settings.outbox_dir.glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_the_digest_names_a_job_whose_last_run_failed(load_evidence, settings, engine):
    finish_run(engine, start_run(engine, "poll-feeds", "host:1", "schedule"), "failed",
               error="RuntimeError: boom at Testgatan 1")
    text, html = digest_parts(load_evidence, settings)
    for part in (text, html):
        assert "Tjänsten har jobb som misslyckas" in part and "poll-feeds" in part and "RuntimeError" in part
        assert "Testgatan" not in part


def test_the_digest_has_no_job_footer_when_the_jobs_recovered(load_evidence, settings, engine):
    finish_run(engine, start_run(engine, "poll-feeds", "host:1", "schedule"), "failed", error="RuntimeError: x")
    finish_run(engine, start_run(engine, "poll-feeds", "host:1", "schedule"), "ok")
    text, html = digest_parts(load_evidence, settings)
    assert "misslyckas" not in text and "misslyckas" not in html
