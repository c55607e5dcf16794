"""Suppliers found in article text: names, legal forms, genitives, compounds, org numbers."""

from __future__ import annotations

import unicodedata

import pytest

from monitor.config import PROJECT_DIR
from monitor.findings.rules import load_rules
from monitor.media.matching import CONFIDENCE, SupplierName, build_matcher, name_forms

# Synthetic suppliers; the org numbers pass the Luhn check, 556677-8898 does not.
OMSORGSHUSET = SupplierName(1, "556677-8899", "Omsorgshuset i Huddinge AB")
ATTENDO = SupplierName(2, "559923-3219", "Attendo Sverige AB", aliases=("Attendo",))
TRYGG = SupplierName(3, "556036-0793", "Trygg Hemtjänst AB")
ALEHUS = SupplierName(4, None, "Alehus Omsorg Ek. för.")
MATCHER = build_matcher([OMSORGSHUSET, ATTENDO, TRYGG, ALEHUS])


def found(text: str) -> list[tuple[int, str, str]]:
    return [(m.supplier_id, m.surface, m.reason) for m in MATCHER.find(text)]


MENTIONS = [
    ("exact_name", "Omsorgshuset har anställt fler.", [(1, "Omsorgshuset", "exact_name")]),
    ("legal_name", "Omsorgshuset i Huddinge AB har anställt fler.", [(1, "Omsorgshuset i Huddinge AB", "legal_name")]),
    ("without_legal_form", "Omsorgshuset i Huddinge har anställt.", [(1, "Omsorgshuset i Huddinge", "exact_name")]),
    ("genitive", "Omsorgshusets personal larmade.", [(1, "Omsorgshusets", "genitive")]),
    ("genitive_of_alias", "Attendos vd avgår.", [(2, "Attendos", "genitive")]),
    ("colon_genitive", "Enligt Attendo:s vd är allt i sin ordning.", [(2, "Attendo:s", "genitive")]),
    ("hyphen_compound", "Tre Attendo-ägda boenden granskas.", [(2, "Attendo", "compound")]),
    ("compound_after_hyphen", "Han är ex-Attendo och nu konsult.", [(2, "Attendo", "compound")]),
    ("alias", "Attendo svarar inte.", [(2, "Attendo", "alias")]),
    ("alias_legal_form", "Attendo Sverige AB svarar inte.", [(2, "Attendo Sverige AB", "legal_name")]),
    ("ekonomisk_forening", "Alehus Omsorg ekonomisk förening, eller Alehus Omsorg.", [(4, "Alehus Omsorg", "exact_name")] * 2),
    ("uppercase", "OMSORGSHUSET I HUDDINGE AB", [(1, "OMSORGSHUSET I HUDDINGE AB", "legal_name")]),
    ("line_break_inside_name", "Omsorgshuset i\nHuddinge AB svarar", [(1, "Omsorgshuset i\nHuddinge AB", "legal_name")]),
    ("inside_a_longer_word", "Attendokoncernen och Omsorgshusetbolaget", []),
    ("prefix_of_a_longer_word", "Ett Omsorgshusetbygge.", []),
    ("org_number_with_hyphen", "Bolaget (556677-8899) svarar.", [(1, "556677-8899", "org_number")]),
    ("org_number_without_hyphen", "Org.nr 5566778899 enligt registret.", [(1, "5566778899", "org_number")]),
    ("wrong_check_digit", "Org.nr 556677-8898 enligt registret.", []),
    ("org_number_inside_longer_number", "Ärende 19556677-8899 och 5566778899123.", []),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in MENTIONS], ids=[c[0] for c in MENTIONS])
def test_it_finds_suppliers_by_name_variant_and_org_number(text, expected):
    assert found(text) == expected


COMMON_WORD_NAME = [
    ("generic_article", "Kommunen vill ge trygg hemtjänst till alla äldre.", []),
    ("generic_capitalised", "Trygg hemtjänst är ett mål. Trygg Hemtjänst kräver personal.", []),
    ("inside_longer_word", "Otrygg hemtjänst oroar.", []),
    ("with_org_number", "Trygg Hemtjänst (556036-0793) granskas.", [(3, "Trygg Hemtjänst", "exact_name"), (3, "556036-0793", "org_number")]),
    ("with_legal_name_elsewhere", "Trygg Hemtjänst AB granskas. Trygg Hemtjänst svarar inte.",
     [(3, "Trygg Hemtjänst AB", "legal_name"), (3, "Trygg Hemtjänst", "exact_name")]),
    ("with_context_word", "Hemtjänstföretaget Trygg Hemtjänst granskas.", [(3, "Trygg Hemtjänst", "company_context")]),
    ("context_word_too_far", "Företaget " + "ord " * 12 + "Trygg Hemtjänst granskas.", []),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in COMMON_WORD_NAME], ids=[c[0] for c in COMMON_WORD_NAME])
def test_it_needs_a_second_signal_for_a_name_of_ordinary_words(text, expected):
    assert found(text) == expected


def test_it_gives_a_context_confirmed_common_name_less_confidence_than_an_org_number_confirmed_one():
    by_context = MATCHER.find("Företaget Trygg Hemtjänst svarar.")[0]
    by_org_number = MATCHER.find("Trygg Hemtjänst, 556036-0793, svarar.")[0]
    assert by_context.confidence < by_org_number.confidence


def test_it_keeps_unconfirmed_common_names_on_request_with_a_low_confidence():
    [match] = MATCHER.find("Trygg Hemtjänst för alla.", keep_unconfirmed=True)
    assert (match.supplier_id, match.reason) == (3, "needs_second_signal")
    assert match.confidence < 0.5


def test_it_refuses_a_single_ordinary_word_name_even_beside_a_context_word():
    matcher = build_matcher([SupplierName(9, "556677-8899", "Omsorg AB")])
    assert matcher.find("Företaget ger omsorg dygnet runt.") == []
    assert [m.reason for m in matcher.find("Omsorg AB, 556677-8899, ger omsorg.")] == ["legal_name", "org_number", "exact_name"]


def test_it_gives_offsets_in_the_callers_text_when_it_arrives_decomposed():
    text = unicodedata.normalize("NFD", "Även Åsas Omsorgshusets chef, Attendo-ägda")
    matches = MATCHER.find(text)
    assert [text[m.start : m.end] for m in matches] == [m.surface for m in matches]
    assert [unicodedata.normalize("NFC", m.surface) for m in matches] == ["Omsorgshusets", "Attendo"]


def test_it_matches_names_with_swedish_letters_in_either_unicode_form():
    matcher = build_matcher([SupplierName(5, None, unicodedata.normalize("NFD", "Ängslyckans Vård AB"))])
    assert [m.surface for m in matcher.find("ÄNGSLYCKANS VÅRD växer.")] == ["ÄNGSLYCKANS VÅRD"]


def test_it_takes_the_longest_of_overlapping_names():
    matcher = build_matcher([SupplierName(6, None, "Nordic Care"), SupplierName(7, None, "Nordic Care Assistans AB")])
    assert [(m.supplier_id, m.surface) for m in matcher.find("Nordic Care Assistans AB och Nordic Care.")] == [
        (7, "Nordic Care Assistans AB"), (6, "Nordic Care")
    ]


FORMS = [
    ("place_and_legal_form", "Omsorgshuset i Huddinge AB", ("omsorgshuset i huddinge ab", "omsorgshuset i huddinge", "omsorgshuset")),
    ("publ", "Attendo Sverige AB (publ)", ("attendo sverige ab (publ)", "attendo sverige", "attendo sverige")),
    ("aktiebolag", "Solgården Omsorg i Upplands Väsby Aktiebolag", ("solgården omsorg i upplands väsby aktiebolag", "solgården omsorg i upplands väsby", "solgården omsorg")),
    ("ek_for", "Frösunda Ek. för.", ("frösunda ek. för.", "frösunda", "frösunda")),
    ("handelsbolag_hb", "Kalles Hemtjänst HB", ("kalles hemtjänst hb", "kalles hemtjänst", "kalles hemtjänst")),
    ("leading_ab", "AB Trygghetsvakten", ("ab trygghetsvakten", "trygghetsvakten", "trygghetsvakten")),
    ("i_hemmet_is_no_place", "Vård i Hemmet AB", ("vård i hemmet ab", "vård i hemmet", "vård i hemmet")),
    ("ab_inside_a_word", "Sahab", ("sahab", "sahab", "sahab")),
]


@pytest.mark.parametrize(("name", "expected"), [c[1:] for c in FORMS], ids=[c[0] for c in FORMS])
def test_it_strips_legal_forms_and_place_suffixes(name, expected):
    assert name_forms(name) == expected


def test_it_ignores_an_invalid_org_number_in_the_register_but_keeps_the_name():
    matcher = build_matcher([SupplierName(8, "556677-8898", "Bergsgläntan Omsorg AB")])
    assert [m.reason for m in matcher.find("Bergsgläntan Omsorg, 556677-8898")] == ["exact_name"]


def test_it_does_not_read_media_yaml_as_a_rule_file(tmp_path):
    (tmp_path / "media.yaml").write_text((PROJECT_DIR / "rules" / "media.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert load_rules(tmp_path) == []
    assert load_rules(PROJECT_DIR / "rules")  # the shipped rules still load beside it


HEMVARD = build_matcher([SupplierName(7, None, "Hemvård HB")])


@pytest.mark.parametrize("text", [
    "Behovet av hemvård ökar.",
    "Kommunen utreder fusk hos hemvård i länet.",  # a cue, but lower case: the ordinary word
    "Hemvård är en rättighet.",  # a capital at the start of a sentence, and no cue
    "Hemvård-ägaren åtalas.".lower(),
])
def test_it_never_matches_a_common_word_name_without_a_capital_and_a_company_cue(text):
    assert HEMVARD.find(text) == []


@pytest.mark.parametrize(("text", "note"), [
    ("Polisen utreder fusk hos Hemvård.", "after 'hos'"),
    ("Kritik mot bolaget Hemvård i Huddinge.", "after 'bolaget'"),
    ("Hemvård-ägaren åtalas.", "compound '-ägaren'"),
])
def test_it_matches_a_capitalised_common_word_name_beside_a_company_cue_with_its_reason(text, note):
    [match] = HEMVARD.find(text)
    assert (match.surface, match.reason, match.note) == ("Hemvård", "company_context", note)
    assert 0.5 <= match.confidence < CONFIDENCE["exact_name"]


def test_a_company_cue_confirms_the_names_other_capitalised_uses_in_the_text():
    matches = HEMVARD.find("Vite för Hemvård. Bolaget Hemvård överklagar, men hemvård behövs.")
    assert [(m.start, m.reason) for m in matches] == [(9, "company_context"), (26, "company_context")]
    assert "elsewhere" in matches[0].note
