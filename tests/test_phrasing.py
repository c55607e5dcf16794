"""Numbers in sentences: singular for one, plural otherwise, and no parts that count nothing."""

import re
import string

import pytest

from monitor.messages import catalogue
from monitor.phrasing import fill

PLURALS_AFTER_ONE = re.compile(
    r"\b1 (tillfällen|förflyttningar|enheter|perioder|portobservationer|timmar|anställda|veckor|dagar|månader"
    r"|visits|moves|devices|periods|door observations|hours|rests|shifts|times|weeks|days|months)\b"
)


@pytest.mark.parametrize(("n", "sv", "en"), [
    (0, "0 förflyttningar", "0 moves"),
    (1, "1 förflyttning", "1 move"),
    (2, "2 förflyttningar", "2 moves"),
    (1.5, "1,5 förflyttningar", "1.5 moves"),
    (15167, "15\u00a0167 förflyttningar", "15,167 moves"),
])
def test_it_picks_the_singular_for_exactly_one_and_writes_the_number_the_readers_way(n, sv, en):
    assert fill("{n:förflyttning|förflyttningar}", {"n": n}, "sv") == sv
    assert fill("{n:move|moves}", {"n": n}, "en") == en


@pytest.mark.parametrize(("rests", "shifts", "expected"), [
    (2, 1, "2 vilor och 1 pass (3 anställda)"),
    (0, 1, "1 pass (3 anställda)"),
    (2, 0, "2 vilor (3 anställda)"),
    (0, 0, "0 vilor (3 anställda)"),
])
def test_a_list_leaves_out_the_parts_that_count_nothing_but_never_its_subject(rests, shifts, expected):
    template = "[och: {rests:vila|vilor} ;; {shifts:pass|pass}] ({staff:anställd|anställda})"
    assert fill(template, {"rests": rests, "shifts": shifts, "staff": 3}) == expected


def test_a_list_of_three_is_joined_with_commas_and_the_last_word():
    template = "[eller: a ({a}) ;; b ({b}) ;; c ({c})]"
    assert fill(template, {"a": 1, "b": 2, "c": 3}) == "a (1), b (2) eller c (3)"
    assert fill(template, {"a": 0, "b": 2, "c": 3}) == "b (2) eller c (3)"


def test_a_part_counts_by_its_first_number_not_its_thresholds():
    assert fill("[och: {n:vila|vilor} under {h:timme|timmar} ;; {m:pass|pass}]", {"n": 0, "h": 9, "m": 1}) == "1 pass"


def test_an_optional_clause_goes_when_it_counts_nothing():
    template = "3 sena[if: ; {late:anställd|anställda} sena själva]"
    assert fill(template, {"late": 0}) == "3 sena"
    assert fill(template, {"late": 1}) == "3 sena; 1 anställd sena själva"


def test_braces_in_a_value_are_printed_as_written():
    assert fill("[och: {name} ;; {n}]", {"name": "a{b}c", "n": 0}) == "a{b}c"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_no_finding_says_one_with_a_plural_word_or_counts_nothing(language):
    for key, template in catalogue(language).items():
        names = {name.split(".")[0] for _, name, _, _ in string.Formatter().parse(template) if name}
        ones = fill(template, dict.fromkeys(names, 1), language)
        assert not PLURALS_AFTER_ONE.search(ones), f"{key}: {ones}"
        # A finding with nothing in a part of it does not mention it: "0 tillfällen med ..."
        counts_zero = {name: (0 if name.endswith(("_visits", "rests")) else 2) for name in names}
        assert not re.search(r"(^|[(,;] ?)0 [a-zåäö]", fill(template, counts_zero, language)), key
