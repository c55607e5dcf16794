"""`monitor run` as a user runs it: a real process, real HTTP on loopback, a real SMTP server."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

import pytest
from aiosmtpd.controller import Controller

from monitor.db import make_engine
from monitor.jobs.runs import run_history
from tests.jobs.conftest import evidence_files, free_port, wait_for

FAST = {"every_seconds": 0.3}


@dataclass
class MailInbox:
    envelopes: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[MailInbox, int]]:
    inbox, port = MailInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_it_imports_archives_scores_and_mails_one_digest_and_reports_it(service, smtp):
    mail, port = smtp
    running = service.start(
        {"import-inbox": FAST, "score": {"cron": "0 2 * * *"}, "digest": FAST},
        inbox={"settle_seconds": 0, "score_after_import_seconds": 0.2},
        MONITOR_SMTP_HOST="127.0.0.1", MONITOR_SMTP_PORT=str(port))
    evidence_files(service.inbox)
    wait_for(lambda: mail.envelopes, what="the digest on the SMTP server")
    # The digest keeps firing: the week's claim lets none of the later runs send it again.
    wait_for(lambda: len([r for r in service.runs("digest") if r.status == "ok"]) >= 3, what="more digest runs")
    assert len(mail.envelopes) == 1
    archived = sorted(p.name for p in (service.inbox / "archive").rglob("*.csv"))
    assert archived == ["observations-v41.csv", "suppliers.csv", "visits-v41.csv"]
    assert list(service.inbox.glob("*.csv")) == []
    (score,) = [r for r in service.runs("score") if r.status == "ok"]
    assert score.trigger == "event" and score.counts["findings"] >= 1

    assert running.get("/healthz").status_code == 200
    assert running.get("/readyz").json() == {"ready": True, "problems": []}
    status = running.get("/status").json()
    assert status["jobs"]["score"]["last_run"]["status"] == "ok"
    assert status["jobs"]["digest"]["next_run"] is not None
    assert status["digest"]["week"] and status["digest"]["status"] == "sent"
    metrics = running.get("/metrics").text
    assert 'monitor_job_run_seconds_count{job="digest",status="ok"}' in metrics
    assert 'monitor_findings{severity="high"}' in metrics or 'monitor_findings{severity="critical"}' in metrics
    assert "Logga in" in running.get("/login").text  # the web UI is served beside the jobs
    assert running.get("/api/alerts").status_code == 401
    assert running.stop() == 0


def test_a_job_that_raises_is_recorded_failed_and_the_others_still_run(service):
    running = service.start({"broken": {"task": "fail", **FAST}, "import-inbox": FAST})
    wait_for(lambda: len([r for r in service.runs("broken") if r.status == "failed"]) >= 2, what="two failures")
    first_failure = service.runs("broken")[0].finished_at
    wait_for(lambda: any(r.started_at > first_failure and r.status == "ok" for r in service.runs("import-inbox")),
             what="a later inbox run")
    status = running.get("/status").json()
    assert status["failing_jobs"] == ["broken"]
    assert "RuntimeError: this job always fails" in status["jobs"]["broken"]["last_run"]["error"]
    assert running.stop() == 0


def test_sigterm_during_a_slow_job_exits_0_within_the_grace_period_and_rolls_it_back(service):
    running = service.start({"slow": {"task": "sleep", "every_seconds": 0.2,
                                      "params": {"seconds": 60, "write": True}}},
                            MONITOR_SHUTDOWN_GRACE_SECONDS="0.5")
    wait_for(lambda: [r for r in service.runs("slow") if r.status == "running"], what="the slow job to start")
    sent = time.monotonic()
    running.proc.send_signal(signal.SIGTERM)
    assert running.proc.wait(timeout=10) == 0
    assert time.monotonic() - sent < 5
    (run,) = run_history(make_engine(service.db_url), "slow")
    assert run.status == "interrupted"
    assert service.meta_names() == []


def test_a_job_that_finishes_within_the_grace_period_is_recorded_ok(service):
    running = service.start({"slow": {"task": "sleep", "every_seconds": 0.2, "params": {"seconds": 0.5}}},
                            MONITOR_SHUTDOWN_GRACE_SECONDS="10")
    wait_for(lambda: [r for r in service.runs("slow") if r.status == "running"], what="the slow job to start")
    assert running.stop() == 0
    assert [r.status for r in service.runs("slow")][-1] == "ok"


def test_two_services_on_one_database_send_one_digest_and_never_run_a_job_twice_at_once(service):
    evidence_files(service.inbox)
    jobs = {"import-inbox": FAST, "digest": FAST, "score": {"cron": "0 2 * * *"},
            "slow": {"task": "sleep", "every_seconds": 0.1, "params": {"seconds": 0.3}}}
    inbox = {"settle_seconds": 0, "score_after_import_seconds": 0.1}
    first, second = service.start(jobs, inbox), service.start(jobs, inbox)
    wait_for(lambda: len([r for r in service.runs("digest") if r.status == "ok"]) >= 4, timeout=30,
             what="digest runs")
    wait_for(lambda: len([r for r in service.runs("slow") if r.status == "ok"]) >= 6, what="slow runs")
    assert first.stop() == 0 and second.stop() == 0
    assert len(list(service.outbox.glob("*.eml"))) == 1
    for job in ("slow", "import-inbox", "digest"):
        spans = sorted((r.started_at, r.finished_at) for r in service.runs(job) if r.status != "skipped")
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(spans)), job
    assert len({r.holder for r in service.runs()}) == 2
