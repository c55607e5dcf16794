from __future__ import annotations

from datetime import date

import pytest

from monitor.pseudonyms import Pseudonymiser, normalise_client_id

SAME_PERSON = ["19301120-8229", "193011208229", "301120-8229", "3011208229", " 19301120 - 8229 "]


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
