"""A scoring run judges a window of weeks, not the whole history: what it reads, what it stores,
what the team sees afterwards, and the instant its recency is measured from."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import PROJECT_DIR
from monitor.findings.rules import load_rules
from monitor.models import ScoringRun, Supplier, Visit
from monitor.ranking.explain import explain_supplier
from monitor.ranking.report import latest_ranking
from monitor.ranking.score import ScoringConfig, WindowConfig, load_scoring_config
from monitor.scoring import run_scoring
from monitor.timestamps import STOCKHOLM
from tests.conftest import ASTRID_HOME, SUSPECT, visit_row

RULES_DIR = PROJECT_DIR / "rules"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def watch(observation_id: str, day: str) -> dict[str, str]:
    """The team watched Astrid's door 08:00-10:00 that day and saw nobody."""
    return {"observation_id": observation_id, "address": ASTRID_HOME, "latitude": "59.2301",
            "longitude": "17.9802", "observed_from": f"{day} 08:00", "observed_to": f"{day} 10:00",
            "staff_seen": "nej", "observer": "Team Syd", "note": ""}


def weekly_visits(first: date, weeks: int) -> list[dict[str, str]]:
    """An ordinary Tuesday visit every week (never during a watch: 13:00)."""
    days = [first + timedelta(weeks=w) for w in range(weeks)]
    return [visit_row(f"W{d:%Y%m%d}", f"{d} 13:00", f"{d} 13:30") for d in days]


@pytest.fixture
def history(load_evidence):
    """Two years of weekly visits at Hemtjänst Beta; visits registered during a watch in March
    2026 (outside the latest 13 weeks) and in October 2026 (inside them). The latest visit is
    Tuesday 20 October 2026."""
    visits = weekly_visits(date(2024, 10, 29), 104)
    visits += [visit_row("OLD", "2026-03-03 08:30", "2026-03-03 09:00"),
               visit_row("NEW", "2026-10-06 08:30", "2026-10-06 09:00")]
    return load_evidence(visits=visits, observations=[watch("O-MARCH", "2026-03-03"), watch("O-OCT", "2026-10-06")])


@pytest.fixture
def door_rule():
    return [r for r in load_rules(RULES_DIR) if r.kind == "door_observation_mismatch"]


def local(instant: datetime) -> datetime:
    return instant.astimezone(STOCKHOLM).replace(tzinfo=None)


def _runs(engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(ScoringRun.__table__).order_by(ScoringRun.__table__.c.id)))


def test_it_judges_the_latest_weeks_and_reads_only_them_and_their_lookback(history, door_rule):
    outcome = run_scoring(history, door_rule, ScoringConfig(window=WindowConfig(weeks=13)), now=NOW)
    (reason,) = outcome.ranking[0].reasons
    assert reason["findings"] == 1 and outcome.evaluation.findings_total == 1  # October's watch, not March's
    (run,) = _runs(history)
    # Thirteen calendar weeks up to the day of the latest visit: Monday 27 July to Tuesday 20 October.
    assert (local(run.window_start), local(run.window_end)) == (datetime(2026, 7, 27), datetime(2026, 10, 21))
    with history.connect() as conn:
        since = outcome.window.load_from
        in_reach = conn.execute(select(func.count()).select_from(Visit.__table__)
                                .where(Visit.__table__.c.registered_start >= since)).scalar()
    assert outcome.visits_read == in_reach < 25  # of 106 visits in two years


def test_a_longer_history_costs_a_run_nothing_more(load_evidence, door_rule):
    engine = load_evidence(visits=weekly_visits(date(2016, 10, 4), 10 * 52 + 3))
    outcome = run_scoring(engine, door_rule, ScoringConfig(), now=NOW)
    assert outcome.visits_read < 25  # of 523 visits in ten years


def test_a_past_window_is_scored_as_history_and_the_latest_ranking_stays(history, door_rule):
    config = ScoringConfig()
    latest = run_scoring(history, door_rule, config, now=NOW)
    march = run_scoring(history, door_rule, config, now=NOW, since=date(2026, 3, 1), until=date(2026, 3, 31))
    assert march.window.backfill and march.evaluation.findings_total == 1
    assert local(march.as_of) == datetime(2026, 3, 31, 13, 30)  # the last visit inside the window
    assert [r.backfill for r in _runs(history)] == [False, True]
    with history.connect() as conn:
        shown = latest_ranking(conn)
        explained = explain_supplier(conn, SUSPECT["org_number"], config)
    assert shown is not None and shown.run_id == latest.run_id
    assert explained.run_id == latest.run_id
    # The October finding still explains the latest run although a later run was made.
    assert [len(line.findings) for line in explained.rules] == [1]


def test_a_finding_seen_again_by_a_backfill_still_belongs_to_the_latest_run(history, door_rule):
    config = ScoringConfig()
    run_scoring(history, door_rule, config, now=NOW)
    run_scoring(history, door_rule, config, now=NOW, since=date(2026, 10, 1), until=date(2026, 10, 31))
    with history.connect() as conn:
        explained = explain_supplier(conn, SUSPECT["org_number"], config)
        ranking = latest_ranking(conn)
    assert [len(line.findings) for line in explained.rules] == [1]
    assert ranking is not None and ranking.suppliers[0].reasons[0]["findings"] == 1


def test_a_visit_mistyped_into_a_far_year_moves_neither_the_window_nor_the_recency(history, door_rule):
    config = load_scoring_config(RULES_DIR)
    before = run_scoring(history, door_rule, config, now=NOW)
    # Imported before bounds were checked at import: 2062 for 2026.
    with history.begin() as conn:
        supplier_id = conn.execute(select(Supplier.__table__.c.id)
                                   .where(Supplier.__table__.c.org_number == SUSPECT["org_number"])).scalar()
        far = datetime(2062, 10, 20, 11, 0, tzinfo=UTC)
        conn.execute(insert(Visit.__table__).values(
            visit_id="TYPO", supplier_id=supplier_id, staff_id="S1", client_ref="x" * 32, address=ASTRID_HOME,
            address_key="testgatan 1", registered_start=far, registered_end=far + timedelta(minutes=30),
            registration_method="nfc", service_type="hemtjänst"))
    after = run_scoring(history, door_rule, config, now=NOW)
    assert after.as_of == before.as_of <= NOW
    assert (after.window.start, after.window.end) == (before.window.start, before.window.end)
    assert after.ranking[0].score == before.ranking[0].score > 0


def test_the_recency_instant_never_passes_the_runs_own_clock(load_evidence, door_rule):
    engine = load_evidence(visits=[visit_row("V1", "2026-10-20 08:00", "2026-10-20 12:00")])
    now = datetime(2026, 10, 20, 9, 0, tzinfo=STOCKHOLM).astimezone(UTC)
    outcome = run_scoring(engine, door_rule, ScoringConfig(), now=now)
    assert outcome.as_of == now


def test_score_prints_the_window_and_a_backfill_is_asked_for_with_since_and_until(history, db_url):
    runner = CliRunner()
    latest = runner.invoke(app, ["--db", db_url, "score"])
    assert latest.exit_code == 0, latest.output
    assert "fönster 2026-07-27 – 2026-10-20" in latest.output
    past = runner.invoke(app, ["--db", db_url, "score", "--since", "2026-03-01", "--until", "2026-03-31"])
    assert past.exit_code == 0, past.output
    assert "efterhandsberäkning av 2026-03-01 – 2026-03-31" in past.output
    wrong = runner.invoke(app, ["--db", db_url, "score", "--since", "2026-04-01", "--until", "2026-03-31"])
    assert wrong.exit_code == 2 and "is after --until" in wrong.output


def test_rules_test_compares_with_the_window_the_latest_run_judged(history, db_url):
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db_url, "score"]).exit_code == 0
    result = runner.invoke(app, ["--db", db_url, "rules", "test", "door-observation-mismatch", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"unchanged": 1' in result.output and '"new": 0' in result.output


@pytest.mark.parametrize("typed", ["Äldreomsorg", "ÄLDREOMSORG", "äldreomsorg", "A\u0308ldreomsorg", " äldreomsorg "],
                         ids=["as-stored", "upper", "lower", "decomposed", "spaces"])
def test_rank_finds_an_area_typed_in_any_case_on_every_database(load_evidence, typed):
    engine = load_evidence(visits=[visit_row("V1", "2026-10-06 08:30", "2026-10-06 09:00")])
    with engine.begin() as conn:
        supplier = Supplier.__table__.c
        conn.execute(update(Supplier.__table__).where(supplier.org_number == SUSPECT["org_number"])
                     .values(contract_area="Äldreomsorg"))
    run_scoring(engine, [], ScoringConfig(), now=NOW)
    with engine.connect() as conn:
        ranking = latest_ranking(conn, area=typed)
    assert ranking is not None and [s.org_number for s in ranking.suppliers] == [SUSPECT["org_number"]]


def test_a_rule_reads_back_only_to_the_periods_the_window_cuts_or_needs():
    from monitor.findings.window import lookback_days, rule_lookback_days

    rules = {r.id: r for r in load_rules(RULES_DIR)}
    monday = datetime(2026, 9, 7, tzinfo=STOCKHOLM).astimezone(UTC)
    by_kind = {r.kind: rule_lookback_days(r, monday) for r in rules.values()}
    assert by_kind["staff_overlap"] == 1  # single events: a day for visits across midnight
    assert by_kind["manual_registration_share"] == 8  # two weeks in a row: the week before too
    month = next(r for r in rules.values() if r.effective_period == "month")
    assert rule_lookback_days(month, monday) == 7  # back to 1 September, not a whole month
    assert lookback_days(list(rules.values()), "week", monday) == 8  # turnover compares with the week before
