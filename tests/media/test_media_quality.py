"""Media risk a case officer can trust, measured on the labelled set in tests/data/media/, and
the classes of text behind it shown on sentences that are not in the set."""

from __future__ import annotations

from collections import Counter

import pytest

from monitor.config import PROJECT_DIR
from monitor.media.evaluation import evaluate, load_items
from monitor.media.keywords import load_media_rules, score_article_by_supplier
from monitor.media.matching import SupplierName
from monitor.media.signals import article_text
from monitor.yamlfile import ConfigFileError

RULES_DIR = PROJECT_DIR / "rules"
DATA_DIR = PROJECT_DIR / "tests" / "data" / "media"
RULES = load_media_rules(RULES_DIR)
SUPPLIERS = [
    SupplierName(1, None, "Omsorgshuset i Huddinge AB"),
    SupplierName(2, None, "Attendo Sverige AB", ("Attendo",)),
    SupplierName(3, None, "Hemvård HB"),
    SupplierName(4, None, "Vardagshjälpen AB"),
    SupplierName(5, None, "Kavat Vård AB"),
]
MATCHER = RULES.build_matcher(SUPPLIERS)


def risks(title: str, summary: str = "") -> dict[int, float]:
    text = article_text(title, summary)
    return {sid: round(r.risk, 3) for sid, r in score_article_by_supplier(text, MATCHER.find(text), RULES).items()}


def test_the_evaluation_set_meets_the_floors_recall_false_risk_and_no_wrong_supplier():
    report = evaluate(RULES, DATA_DIR)
    total = report.total
    problems = [f"{i.id}: {p}" for i in report.items for p in i.problems]
    assert total.recall >= 0.95, problems
    assert total.false_risk_rate <= 0.02, problems
    assert total.wrong_supplier == 0, problems


def test_the_evaluation_set_is_large_and_covers_every_class():
    items = load_items(DATA_DIR / "articles.yaml")
    classes = Counter(i["class"] for i in items)
    assert len(items) >= 150
    assert set(classes) == {"authority", "contract", "misconduct", "clearing", "victim", "praise", "common_name",
                            "attribution", "neutral"}
    assert min(classes.values()) >= 14
    assert len({i["title"] for i in items}) == len(items)  # no copies of one headline


@pytest.mark.parametrize(("title", "summary"), [
    ("Inspektionen för vård och omsorg kritiserar Kavat Vård", ""),
    ("Skarp kritik mot Kavat Vård", "Bristerna gäller läkemedelshanteringen."),
    ("Kavat Vård får föreläggande", ""),
    ("Avtalet med Kavat Vård ska sägas upp", ""),
    ("Kavat Vårds uppdrag avslutas i förtid", ""),
    ("Kontraktet med Kavat Vård hävs", ""),
    ("Kommunen avslutar avtalet med Kavat Vård i förtid", ""),
    ("Kavat Vård stängs", "Inspektionen för vård och omsorg återkallar bolagets tillstånd."),
])
def test_it_gives_risk_for_authority_criticism_and_ended_contracts_in_their_full_forms(title, summary):
    assert risks(title, summary)[5] > 0


@pytest.mark.parametrize(("title", "summary"), [
    ("Utredningen mot Kavat Vård läggs ned", "Åklagaren ser inga tecken på fusk."),
    ("Kavat Vårds ägare frias från bedrägeri", ""),
    ("Friande dom för Kavat Vård i målet om bidragsbrott", "Åtalet ogillas."),
    ("Kavat Vård: ingen misstanke om fusk", ""),
    ("Kavat Vård utsattes för bedrägeri", "Bolaget har polisanmält händelsen."),
    ("Inbrott hos Kavat Vård", "Verksamheten har polisanmält stölden."),
    ("Kavat Vård prisas", "I en bransch där fusk och bedrägerier är vanliga sticker bolaget ut."),
    ("Kavat Vård säger upp avtalet med kommunen", "Ersättningen räcker inte, menar bolaget."),
    ("Kavat Vård avslutar avtalet med kommunen i förtid", ""),
    ("Nya regler mot fusk i hemtjänsten", "Kavat Vård välkomnar skärpningen."),
    ("Kavat Vårds personal utsatt för hot", "Hotet har polisanmälts."),
])
def test_it_gives_no_risk_for_clearing_outcomes_victims_sector_talk_or_a_supplier_leaving(title, summary):
    assert risks(title, summary).get(5, 0.0) == 0


def test_a_clearing_outcome_is_reported_for_the_supplier_it_clears():
    text = article_text("Förundersökningen om fusk hos Kavat Vård läggs ned", "")
    (risk,) = score_article_by_supplier(text, MATCHER.find(text), RULES).values()
    assert risk.risk == 0 and risk.cleared == "läggs ned"
    assert risk.keywords[0].against == "clearing: läggs ned"


def test_a_clearing_outcome_covers_its_sentence_only_up_to_a_contrast_word():
    assert risks("Åtalet mot Kavat Vård läggs ned, men IVO riktar skarp kritik mot bolaget")[5] > 0


def test_it_gives_risk_to_the_supplier_the_words_are_about_not_the_one_taking_over():
    found = risks("Kommunen häver avtalet med Kavat Vård – Attendo tar över", "Brukarna flyttas till Attendo.")
    assert found[5] > 0 and found[2] == 0


def test_it_gives_risk_to_a_supplier_named_only_before_a_sentence_that_refers_back_to_it():
    assert risks("Turbulens på Kavat Vård", "Bolaget misstänks för bidragsfusk.")[5] > 0


def test_a_common_word_name_in_lower_case_never_matches_but_a_capitalised_company_use_does():
    assert risks("Fusk i hemvård och vardagshjälpen granskas", "Bedrägerier hos hemvård ökar.") == {}
    assert risks("Polisanmälan mot bolaget Hemvård")[3] > 0
    assert risks("Vite för Vardagshjälpen", "Vardagshjälpen-ägaren överklagar.")[4] > 0


def test_it_names_file_line_and_field_of_a_mistake_in_the_frames(tmp_path):
    text = (RULES_DIR / "media.yaml").read_text(encoding="utf-8")
    (tmp_path / "media.yaml").write_text(text.replace("  earlier_factor: 0.5", "  earlier_factor: 3"),
                                         encoding="utf-8")
    line = text.splitlines().index(next(x for x in text.splitlines() if x.startswith("  earlier_factor:"))) + 1
    with pytest.raises(ConfigFileError, match=rf"media\.yaml:{line}: .*earlier_factor"):
        load_media_rules(tmp_path)


def test_it_refuses_an_actor_form_that_is_no_regular_expression(tmp_path):
    text = (RULES_DIR / "media.yaml").read_text(encoding="utf-8")
    broken = text.replace('actor_forms: ["polisanmäl(?:er|de|t)"', 'actor_forms: ["polisanmäl(?:er|de|t"', 1)
    assert broken != text
    (tmp_path / "media.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigFileError, match=r"media\.yaml:\d+: keyword 'polisanmälan': actor_forms"):
        load_media_rules(tmp_path)
