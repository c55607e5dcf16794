"""One language per run: Swedish by default, English with --lang en, in every command's words."""

import importlib
import pkgutil

import pytest

import monitor.cli
from monitor.texts import ALL, Texts
from tests.conftest import import_personas, invoke


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
    import_personas(env, write_csv)
    assert "Larm: 1 nytt; se `monitor alerts list`." in invoke(env, "score").stdout
    assert "Inga nya larm." in invoke(env, "score").stdout
    assert "No new alerts." in invoke(env, "--lang", "en", "score").stdout
