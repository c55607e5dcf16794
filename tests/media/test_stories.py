"""One story told by several outlets is one story: same URL, or near-identical titles within days."""

from __future__ import annotations

import pytest

from monitor.media.articles import same_story, title_key

CASES = [
    ("Hemtjänstföretag misstänks för bidragsbrott i Exempelby",
     "Hemtjänstföretag misstänks för bidragsbrott i Exempelby!", True, "punctuation"),
    ("Kommunen häver avtalet med Omtanke Hemtjänst efter granskning",
     "Kommunen häver avtalet med Omtanke Hemtjänst efter granskning – SVT Nyheter", True, "outlet_suffix"),
    ("Kommunen häver avtalet med Omtanke Hemtjänst efter granskningen",
     "Kommunen häver avtalet med Omtanke Hemtjänst efter granskning", True, "one_ending_changed"),
    ("IVO riktar kritik mot Flemingsbergs Hemtjänst",
     "IVO riktar kritik mot Solrosens Omsorg", False, "another_supplier"),
    ("Hemtjänstföretag polisanmäls för fusk",
     "Hemtjänstföretag polisanmäls för fusk med timmar i Botkyrka och Huddinge", False, "a_longer_other_story"),
    ("Väder regn", "Väder regn", False, "titles_too_short_to_tell"),
]


@pytest.mark.parametrize(("first", "second", "same"), [c[:3] for c in CASES], ids=[c[3] for c in CASES])
def test_it_calls_near_identical_titles_one_story_and_different_ones_not(first, second, same):
    assert same_story(title_key(first), title_key(second)) is same
    assert same_story(title_key(second), title_key(first)) is same
