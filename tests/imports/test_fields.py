"""Field parsers: whatever goes wrong inside one is a reason on the row, never a traceback."""

from __future__ import annotations

import pytest

from monitor.imports.fields import RowErrors


def _overflow(text: str) -> None:
    raise OverflowError("date value out of range")


def _bug(text: str) -> None:
    raise KeyError(text)


@pytest.mark.parametrize(("parse", "reason"), [(_overflow, "out of range"), (_bug, "could not be read")],
                         ids=["overflow", "unexpected"])
def test_it_turns_any_error_inside_a_field_parser_into_a_reason_on_the_row(parse, reason):
    errors = RowErrors()
    assert errors.check("start", parse, "19301120-8229") is None
    ((column, why),) = errors.errors
    assert column == "start" and reason in why and "8229" not in why
