"""Numbers in finding texts are written the way the reader writes them."""

from __future__ import annotations

import pytest

from monitor.messages import format_number, render_summary

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [(41.7, "sv", "41,7"), (41.7, "en", "41.7"), (41.0, "sv", "41"), (15167, "sv", f"15{NBSP}167"),
     (15167, "en", "15,167"), (1234.56, "sv", f"1{NBSP}234,6"), (3, "sv", "3"), ("W41", "sv", "W41")],
    ids=["sv_decimal_comma", "en_decimal_point", "whole_float", "sv_thousands", "en_thousands",
         "sv_both", "small_int", "text_untouched"],
)
def test_it_writes_numbers_in_the_readers_language(value, language, expected):
    assert format_number(value, language) == expected


def test_it_sums_counts_but_not_shares_when_summarising_several_findings():
    details = [{"key": "exact_planned_times", "args": {"visits": 900, "total": 1000, "share_pct": 90.0,
                                                       "threshold_pct": 50.0}},
               {"key": "exact_planned_times", "args": {"visits": 300, "total": 600, "share_pct": 50.0,
                                                       "threshold_pct": 50.0}}]
    text = render_summary(details, "sv")
    assert f"1{NBSP}200 av 1{NBSP}600 besök" in text and "som mest 90 %" in text and "(gräns 50 %)" in text
