"""Risk keywords near supplier mentions, and the media.yaml file that defines them."""

from __future__ import annotations

import re

import pytest

from monitor.config import PROJECT_DIR
from monitor.media.keywords import (
    analyse_article,
    load_media_rules,
    score_article,
    score_article_by_supplier,
    split_sentences,
)
from monitor.media.matching import SupplierName
from monitor.yamlfile import ConfigFileError

RULES = load_media_rules(PROJECT_DIR / "rules")
OMSORGSHUSET = SupplierName(1, "556677-8899", "Omsorgshuset i Huddinge AB")
TRYGG = SupplierName(3, "556036-0793", "Trygg Hemtjänst AB")
MATCHER = RULES.build_matcher([OMSORGSHUSET, TRYGG])


def risk(text: str, supplier_id: int = 1) -> float:
    return score_article_by_supplier(text, MATCHER.find(text), RULES).get(supplier_id, score_article("", [], RULES)).risk


def terms(text: str) -> list[tuple[str, bool]]:
    return [(hit.keyword.term, hit.negated) for hit in analyse_article(text, RULES).hits]


FORMS = [
    ("polisanmäld", "Bolaget har polisanmälts.", [("polisanmälan", False)]),
    ("polisanmälningar", "Två polisanmälningar kom in.", [("polisanmälan", False)]),
    ("åtalas", "Vd:n åtalas i dag.", [("åtal", False)]),
    ("compound_fusk", "Misstänkt bidragsfusk i hemtjänsten.", [("misstänkt", False), ("fusk", False)]),
    ("vite", "Bolaget fick ett vite.", [("vite", False)]),
    ("vitet", "Vitet är en miljon.", [("vite", False)]),
    ("viten", "IVO dömde ut två viten.", [("vite", False)]),
    ("vit_is_no_vite", "En vit bil och vita väggar.", []),
    ("lex_sarah", "En lex Sarah-anmälan gjordes.", [("lex Sarah", False)]),
    ("hävt_avtal", "Kommunen häver avtalet.", [("hävt avtal", False)]),
    ("ivo_kritik", "IVO riktar allvarlig kritik mot boendet.", [("IVO-kritik", False)]),
    ("inside_a_word", "Åtalsunderlaget och konkursmässig.", []),
    ("negation_before", "Inga polisanmälningar har gjorts.", [("polisanmälan", True)]),
    ("negation_words_back", "Det finns inga tecken på fusk.", [("fusk", True)]),
    ("negation_after", "Åtalet lades ned i våras.", [("åtal", True)]),
    ("negation_in_another_clause", "Vd:n har inte svarat, men en polisanmälan finns.", [("polisanmälan", False)]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in FORMS], ids=[c[0] for c in FORMS])
def test_it_finds_keywords_by_their_inflected_forms_and_negations(text, expected):
    assert terms(text) == expected


def test_it_scores_an_article_about_fraud_above_one_praising_the_supplier():
    fraud = "Omsorgshuset polisanmäls för bedrägeri. Vd:n är häktad."
    praise = "Omsorgshuset prisas för sin hemtjänst. Inga polisanmälningar, inget fusk."
    assert risk(fraud) > 0.5
    assert risk(praise) == 0


def test_it_lowers_the_risk_when_the_supplier_is_praised_near_the_keyword():
    plain = "Omsorgshuset har fått ett vite."
    praised = "Omsorgshuset prisas, men har fått ett vite."
    assert 0 < risk(praised) < risk(plain)


PROXIMITY = [
    ("same_sentence", "Omsorgshuset polisanmäls.", 2.5),
    ("same_paragraph", "Omsorgshuset har vuxit. En polisanmälan har kommit in.", 1.25),
    ("other_paragraph", "Omsorgshuset har vuxit.\n\nEn polisanmälan mot ett annat bolag.", 0.0),
]


@pytest.mark.parametrize(("text", "points"), [c[1:] for c in PROXIMITY], ids=[c[0] for c in PROXIMITY])
def test_it_counts_a_keyword_less_the_further_it_stands_from_the_mention(text, points):
    mentions = [m for m in MATCHER.find(text) if m.supplier_id == 1]
    assert score_article(text, mentions, RULES).points == pytest.approx(points * mentions[0].confidence)


def test_it_counts_a_repeated_term_once():
    once = "Omsorgshuset anklagas för fusk."
    thrice = "Omsorgshuset anklagas för fusk, fusk och åter fusk."
    assert risk(thrice) == risk(once)


def test_it_gives_no_risk_to_a_common_word_name_in_a_generic_article():
    text = "Fusk och bedrägeri hotar trygg hemtjänst, säger kommunen."
    assert risk(text, supplier_id=3) == 0


def test_it_scores_a_common_word_name_confirmed_by_its_org_number():
    text = "Trygg Hemtjänst (556036-0793) polisanmäls för fusk."
    assert risk(text, supplier_id=3) > 0.5


def test_it_gives_each_supplier_of_an_article_its_own_risk():
    text = "Omsorgshuset polisanmäls för fusk.\n\nTrygg Hemtjänst AB prisas för sin omsorg."
    by_supplier = score_article_by_supplier(text, MATCHER.find(text), RULES)
    assert by_supplier[1].risk > 0.5
    assert by_supplier[3].risk == 0 and by_supplier[3].praise


SENTENCES = [
    ("abbreviations", "Bl.a. bolaget, t.ex. Kalle och ca. 20 andra. Nästa.", 2),
    ("decimal_comma_and_point", "Det gäller 2,5 miljoner och 3.4 procent. Nästa.", 2),
    ("initials", "Enligt A. Andersson är det så. Nästa.", 2),
    ("questions_and_exclamations", "Fusk? Ja! Nej.", 3),
    ("lowercase_after_stop", "Det kostar 200 kr. per timme.", 1),
]


@pytest.mark.parametrize(("text", "count"), [c[1:] for c in SENTENCES], ids=[c[0] for c in SENTENCES])
def test_it_splits_sentences_without_breaking_at_abbreviations_or_numbers(text, count):
    assert len(split_sentences(text)) == count


def test_it_numbers_paragraphs_split_by_blank_lines():
    sentences = split_sentences("Rubrik\n\nFörsta. Andra.\n \nTredje.")
    assert [s.paragraph for s in sentences] == [0, 1, 1, 2]


KEYWORD = "keywords:\n  - term: vite\n    weight: 2\n    patterns: ['vite(?:t|n)?']\n"
BROKEN = [
    ("unknown_field", KEYWORD + "    wieght: 2\n", ":5: keyword 'vite': wieght: unknown field"),
    ("zero_weight", KEYWORD.replace("weight: 2", "weight: 0"), ":3: keyword 'vite': weight: Input should be greater than 0"),
    ("bad_regex", KEYWORD.replace("'vite(?:t|n)?'", "'vite(?:t|n'"), ":4: keyword 'vite': patterns.0: pattern 'vite(?:t|n' is not a valid regular expression"),
    ("empty_match", KEYWORD.replace("'vite(?:t|n)?'", "'(?:vite)?'"), ":4: keyword 'vite': patterns.0: pattern '(?:vite)?' matches empty text"),
    ("term_not_matched", KEYWORD.replace("term: vite", "term: viten").replace("'vite(?:t|n)?'", "'vite(?:t)?'"), ":2: keyword 'viten': the patterns do not match 'viten'"),
    ("stemmer_trap", KEYWORD.replace("'vite(?:t|n)?'", "'vit\\w*'") + "    counterexamples: [vit]\n", ":2: keyword 'vite': the patterns match the counterexample 'vit'"),
    ("unknown_scope", KEYWORD + "proximity:\n  scope: page\n", ":6: proximity.scope: Input should be 'sentence' or 'paragraph'"),
    ("no_keywords", "keywords: []\n", ":1: keywords: Tuple should have at least 1 item"),
    ("duplicate_term", KEYWORD + KEYWORD.removeprefix("keywords:\n"), ":5: keyword 'vite' appears twice (first at line 2)"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_it_rejects_a_broken_media_file_naming_file_line_and_field(tmp_path, text, expected):
    path = tmp_path / "media.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError, match=rf"^{re.escape(str(path) + expected)}"):
        load_media_rules(tmp_path)


def test_it_loads_the_shipped_media_file_with_every_keyword_of_the_issue():
    shipped = {k.term.casefold() for k in RULES.keywords}
    assert {"fusk", "bedrägeri", "välfärdsbrott", "polisanmälan", "åtal", "häktad", "dömd", "penningtvätt",
            "svartarbete", "oegentligheter", "missförhållanden", "lex sarah", "lex maria", "ivo-kritik",
            "vitesföreläggande", "vite", "hävt avtal", "konkurs"} <= shipped
