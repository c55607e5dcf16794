"""`monitor feeds poll | status` and `monitor media list` as an operator meets them: all feeds
disabled, the shipped examples, articles matched at the poll, output piped to a file or grep."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from monitor.cli import app
from monitor.config import PROJECT_DIR
from monitor.models import Feed

FEEDS = Path(__file__).parent.parent / "data" / "feeds"
LOOPBACK = {"MONITOR_FEEDS_ALLOW_PRIVATE_NETWORKS": "1"}
LONG_NAME = "Exempelby kommuns pressrum för äldreomsorg, LSS, hemtjänst och individ- och familjeomsorg – nyheter"


def feeds_file(tmp_path: Path, url: str, name: str = "Nyheter") -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(f"feeds:\n  - name: '{name}'\n    url: '{url}'\n", encoding="utf-8")
    return path


def run(db_url: str, path: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db_url, "--feeds-file", str(path), *args], env=LOOPBACK,
                              catch_exceptions=False)


def test_feeds_poll_with_every_feed_disabled_says_so_and_how_to_enable_one(db_url, engine, tmp_path):
    shipped = shutil.copy(PROJECT_DIR / "feeds.yaml", tmp_path / "feeds.yaml")
    result = run(db_url, Path(shipped), "feeds", "poll")
    assert result.exit_code == 0
    assert (f"Inget flöde hämtat: alla flöden i {shipped} är avstängda (6 listade, de som följer med är exempel). "
            "Kontrollera ett flödes adress och sätt sedan `enabled: true` på det.") in " ".join(result.output.split())
    with Session(engine) as session:  # nothing to remember about feeds never enabled
        assert session.exec(select(Feed)).all() == []


def test_feeds_status_lists_the_shipped_examples_as_disabled_examples(db_url, tmp_path):
    result = run(db_url, PROJECT_DIR / "feeds.yaml", "feeds", "status", "--format", "json")
    states = {s["name"]: (s["state"], s["detail"]) for s in json.loads(result.output)}
    assert states["SVT Nyheter"] == ("disabled example", None)
    assert states["Nyhetssök: {supplier}"] == ("disabled example", "one feed per supplier")
    assert {state for state, _ in states.values()} == {"disabled example"}


def test_feeds_status_with_another_feeds_file_does_not_list_the_examples_as_unknown(db_url, engine, tmp_path,
                                                                                    news_server):
    with Session(engine) as session:  # what an older version's sync left behind: an example never polled
        session.add(Feed(name="SVT Nyheter", url="https://www.svt.se/nyheter/rss.xml", enabled=False))
        session.commit()
    own = feeds_file(tmp_path, news_server.url_for("/feed"))
    assert run(db_url, own, "feeds", "poll").exit_code == 0
    status = run(db_url, own, "feeds", "status").output
    assert "Nyheter " in status and "fungerar" in status
    assert "SVT Nyheter" not in status and "inte i" not in status


def test_articles_are_matched_to_suppliers_when_polled_once(db_url, with_suppliers, tmp_path, news_server):
    path = feeds_file(tmp_path, news_server.url_for("/feed"))
    polled = run(db_url, path, "feeds", "poll")
    assert "Matchade 3 artiklar mot leverantörerna: 2 omnämnanden" in polled.output
    listed = json.loads(run(db_url, path, "media", "list", "--format", "json").output)
    assert sorted(a["supplier_name"] for a in listed) == ["Hemtjänst Beta AB", "Omsorg Alfa AB"]
    again = run(db_url, path, "feeds", "poll", "--all")
    assert "Matchade 0 artiklar" in again.output
    assert json.loads(run(db_url, path, "media", "list", "--format", "json").output) == listed


def test_feeds_status_as_json_gives_every_feeds_health(db_url, tmp_path, news_server):
    path = feeds_file(tmp_path, news_server.url_for("/feed"))
    run(db_url, path, "feeds", "poll")
    (status,) = json.loads(run(db_url, path, "feeds", "status", "--format", "json").output)
    assert (status["name"], status["state"], status["failures"], status["due_now"]) == ("Nyheter", "healthy", 0, False)
    assert status["last_success_at"].endswith(("+01:00", "+02:00")) and status["next_check_at"] > status["last_success_at"]


def test_piped_tables_print_every_value_whole(db_url, with_suppliers, tmp_path, news_server):
    path = feeds_file(tmp_path, news_server.url_for("/feed"), name=LONG_NAME)
    run(db_url, path, "feeds", "poll")
    status = run(db_url, path, "feeds", "status").output
    assert any(LONG_NAME in line and "fungerar" in line for line in status.splitlines())
    media = run(db_url, path, "media", "list").output
    assert any("Kommunen granskar hemtjänstföretag efter larm om fusk" in line and "Hemtjänst Beta AB" in line
               for line in media.splitlines())
