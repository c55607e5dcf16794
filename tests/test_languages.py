"""One language per run: Swedish by default, English with --lang en, in every command's words."""

import importlib
import pkgutil

import pytest

import monitor.cli
from monitor.texts import ALL, Texts
from tests import test_cli
from tests.test_cli import invoke

# The CLI fixtures of test_cli: a database with both personas imported and scored.
env, scored = test_cli.env, test_cli.scored


def _all_command_modules() -> None:
    for module in pkgutil.iter_modules(monitor.cli.__path__):
        importlib.import_module(f"monitor.cli.{module.name}")
    # Texts that commands print from outside monitor/cli.
    importlib.import_module("monitor.ranking.explain")
    importlib.import_module("monitor.ranking.plot")


def test_every_text_has_both_languages_with_the_same_numbers_and_names():
    _all_command_modules()
    assert ALL, "no command texts found"
    problems = [p for texts in ALL for p in texts.problems()]
    assert problems == []


def test_a_translation_that_forgets_a_number_is_found():
    texts = Texts(sv={"a": "{n:rad|rader}"}, en={"a": "some rows", "b": "extra"})
    ALL.remove(texts)
    assert sorted(texts.problems()) == ["a: ['n'] in Swedish, [] in English", "b: no Swedish"]


@pytest.mark.parametrize(("args", "swedish", "english"), [
    (("score",), "Poängsättning", "Scoring run"),
    (("media", "list"), "Artiklar som nämner leverantörer", "Articles naming suppliers"),
])
def test_a_command_speaks_swedish_by_default_and_english_when_asked(scored, args, swedish, english):
    sv = invoke(scored, *args)
    en = invoke(scored, "--lang", "en", *args)
    assert swedish in sv.stdout and english not in sv.stdout
    assert english in en.stdout and swedish not in en.stdout


def test_score_says_which_alerts_it_opened_and_then_that_none_are_new(env, write_csv):
    from tests.conftest import ASTRID_HOME, HONEST, SUSPECT, supplier_row, visit_row

    invoke(env, "import", "suppliers", str(write_csv("s.csv", [supplier_row(**HONEST), supplier_row(**SUSPECT)])))
    invoke(env, "import", "visits", str(write_csv("v.csv", [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")])))
    observation = {"observation_id": "O1", "address": ASTRID_HOME, "observed_from": "2026-10-06 07:30",
                   "observed_to": "2026-10-06 09:00", "staff_seen": "nej"}
    invoke(env, "import", "observations", str(write_csv("o.csv", [observation])))
    first = invoke(env, "score").stdout
    assert "Larm: 1 nytt; se `monitor alerts list`." in first
    assert "Inga nya larm." in invoke(env, "score").stdout
    assert "No new alerts." in invoke(env, "--lang", "en", "score").stdout
