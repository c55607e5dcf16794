from __future__ import annotations

from datetime import date

import pytest

from monitor.pseudonyms import Pseudonymiser, normalise_client_id

SAME_PERSON = ["19301120-8229", "193011208229", "301120-8229", "3011208229", " 19301120 - 8229 ",
               "19301120\u00a0-\u00a08229", "\t19301120-8229\u2009", "301120\u202f8229"]


@pytest.mark.parametrize("written", SAME_PERSON)
def test_one_person_written_in_any_form_gets_one_pseudonym(written):
    pseudonymise = Pseudonymiser(b"key")
    assert pseudonymise(written) == pseudonymise("19301120-8229")


def test_a_ten_digit_number_with_plus_belongs_to_someone_over_a_hundred():
    assert normalise_client_id("201120+8229", today=date(2026, 11, 26)) == "192011208229"
    assert normalise_client_id("201120-8229", today=date(2026, 11, 26)) == "202011208229"


def test_another_key_gives_unrelated_pseudonyms():
    assert Pseudonymiser(b"key-a")("19301120-8229") != Pseudonymiser(b"key-b")("19301120-8229")


def test_different_people_get_different_pseudonyms():
    pseudonymise = Pseudonymiser(b"key")
    assert pseudonymise("19301120-8229") != pseudonymise("19301120-8230")


def test_a_pseudonym_reveals_no_digits_of_the_id():
    value = Pseudonymiser(b"key")("19301120-8229")
    assert len(value) == 32 and "1930" not in value and "8229" not in value


def test_other_client_ids_pass_through_trimmed():
    assert normalise_client_id(" klient-77a ") == "KLIENT-77A"


# Pinned: a changed canonical form would silently stop new imports joining the data already stored.
CANONICAL = [
    ("twelve_digits_hyphen", "19301120-8229", "193011208229"),
    ("twelve_digits_plus", "19301120+8229", "193011208229"),
    ("spaced", " 19301120 - 8229 ", "193011208229"),
    ("coordination_number", "19301180-8229", "193011808229"),
    ("ten_digits", "3011208229", "193011208229"),
    ("ten_digits_hyphen", "301120-8229", "193011208229"),
    ("ten_digits_plus", "301120+8229", "183011208229"),
    ("this_century", "201120-8229", "202011208229"),
    ("colon_is_not_a_separator", "19301120:8229", "19301120:8229"),
    ("eleven_digits", "12345678901", "12345678901"),
    ("other_id", " klient-77a ", "KLIENT-77A"),
    ("non_breaking_space", "19301120\u00a08229", "193011208229"),
    ("other_id_with_a_tab", "klient\t77a", "KLIENT77A"),
]


@pytest.mark.parametrize(("written", "canonical"), [c[1:] for c in CANONICAL], ids=[c[0] for c in CANONICAL])
def test_it_keeps_the_canonical_form_of_every_id(written, canonical):
    assert normalise_client_id(written, today=date(2026, 11, 26)) == canonical


PINNED = [
    ("19301120-8229", "8d7d91a25c4669cbf3196ab1ee571e02"),
    ("193011208229", "8d7d91a25c4669cbf3196ab1ee571e02"),
    ("19300101-0001", "4436ef22fcfdb41d197799c440669c17"),
    ("19301180-8229", "74850f8f4fe3d8323540957272930271"),
    ("klient-77a", "da95948d5583724cd09e1ef6ebed1043"),
    # Unusual whitespace now hashes like the id without it; ordinary ids above are unchanged.
    ("19301120\u00a0-\u00a08229", "8d7d91a25c4669cbf3196ab1ee571e02"),
    (" klient-77a\u00a0", "da95948d5583724cd09e1ef6ebed1043"),
]


@pytest.mark.parametrize(("written", "pseudonym"), PINNED, ids=[p[0] for p in PINNED])
def test_it_keeps_the_pseudonyms_of_data_already_stored(written, pseudonym):
    assert Pseudonymiser(b"test-pseudonym-key-not-for-production")(written) == pseudonym
