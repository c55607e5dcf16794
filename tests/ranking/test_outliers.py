"""Outlier scoring: suppliers unlike their peers, with the features that make them so."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from monitor.ranking.features import describe_feature
from monitor.ranking.outliers import OutlierConfig, robust_spread, score_outliers
from tests.ranking.conftest import AS_OF, Behaviour, population, supplier_id

CONFIG = OutlierConfig()


@pytest.fixture(scope="module")
def town():
    """Twenty ordinary suppliers, one planted, one ten times bigger, one night patrol."""
    return population(
        planted=Behaviour(manual_share=0.4, duration_ratio=1.5),
        big=Behaviour(staff=40),
        night_patrol=Behaviour(night=True, staff=3),
    )


@pytest.fixture(scope="module")
def scores(town):
    return score_outliers(town, CONFIG, AS_OF)


def test_it_gives_the_planted_supplier_the_top_strength(town, scores):
    top = max(scores.values(), key=lambda o: o.strength)
    assert top.supplier_id == supplier_id(town, "planted")
    assert top.strength > 0.5  # every one of its weeks stands out
    assert (top.peer_group, top.peers, top.periods, top.fallback) == ("Hemtjänst", 23, 4, None)


def test_it_explains_the_planted_supplier_by_its_values_beside_the_peer_median(town, scores):
    explanations = scores[supplier_id(town, "planted")].explanations
    assert {e.feature for e in explanations} >= {"manual_share", "median_duration_ratio"}
    manual = next(e for e in explanations if e.feature == "manual_share")
    assert manual.value == pytest.approx(0.4, abs=0.05) and manual.peer_median == pytest.approx(0.03, abs=0.02)
    assert manual.z >= CONFIG.min_explanation_z
    text = describe_feature(manual.feature, manual.value, manual.peer_median, "en")
    assert re.fullmatch(r"manual registrations \d\d% vs \d(\.\d)?% among peers", text), text


@pytest.mark.parametrize("name", ["big", "night_patrol", "ordinary1"],
                         ids=["ten_times_bigger_with_normal_rates", "night_patrol", "ordinary"])
def test_it_does_not_flag_a_supplier_for_its_size_or_its_operating_model(town, scores, name):
    outlier = scores[supplier_id(town, name)]
    assert outlier.strength == 0.0
    assert outlier.explanations == []


def test_it_gives_the_same_result_twice(town, scores):
    assert score_outliers(town, CONFIG, AS_OF) == scores


def test_it_compares_a_too_small_peer_group_with_all_suppliers_and_says_so():
    town = population(n=10, **{f"lss{i}": Behaviour(area="LSS") for i in range(3)})
    lss = score_outliers(town, CONFIG, AS_OF)[supplier_id(town, "lss0")]
    assert (lss.peer_group, lss.peers) == ("alla", 13)
    assert lss.fallback == "för få jämförbara leverantörer i LSS (3 < 8); jämförd med alla"


def test_it_leaves_a_too_small_peer_group_unscored_when_the_fallback_is_none():
    town = population(n=10, **{f"lss{i}": Behaviour(area="LSS") for i in range(3)})
    lss = score_outliers(town, OutlierConfig(fallback="none"), AS_OF)[supplier_id(town, "lss0")]
    assert (lss.strength, lss.peer_group, lss.peers) == (0.0, "LSS", 3)
    assert lss.fallback == "för få jämförbara leverantörer i LSS (3 < 8); inte jämförd"


def test_it_leaves_out_a_supplier_with_too_few_visits_in_every_period():
    town = population(n=10, tiny=Behaviour(staff=1))  # 42 visits a week
    assert supplier_id(town, "tiny") not in score_outliers(town, OutlierConfig(min_visits=50), AS_OF)


def test_it_scores_a_supplier_without_planned_times_without_crashing():
    town = population(n=10)
    visits = town.visits
    unplanned = visits["supplier_id"] == 1
    visits.loc[unplanned, ["planned_start", "planned_end", "planned_minutes"]] = np.nan
    outlier = score_outliers(town, CONFIG, AS_OF)[1]
    assert 0.0 <= outlier.strength <= 1.0
    assert all(np.isfinite(e.value) for e in outlier.explanations)


def test_it_counts_an_odd_week_long_ago_less_than_a_recent_one():
    odd = {"manual_share": 0.9}
    town = population(weeks=8, old=Behaviour(odd_weeks={0: odd}), recent=Behaviour(odd_weeks={7: odd}))
    scores = score_outliers(town, CONFIG, MONDAY_AFTER_8_WEEKS)
    old, recent = scores[supplier_id(town, "old")], scores[supplier_id(town, "recent")]
    assert 0.0 < old.strength < recent.strength < 0.5  # one week of eight is never the whole supplier


MONDAY_AFTER_8_WEEKS = AS_OF + 28 * 86_400.0


def test_an_analyst_can_switch_a_feature_to_context(town):
    config = OutlierConfig(features={"manual_share": "context"})
    explanations = score_outliers(town, config, AS_OF)[supplier_id(town, "planted")].explanations
    assert "manual_share" not in {e.feature for e in explanations}


@pytest.mark.parametrize(("config", "message"), [
    ({"features": {"manual_shares": "higher"}}, "unknown feature 'manual_shares'"),
    ({"features": {"manual_share": "up"}}, "Input should be 'higher', 'lower', 'both' or 'context'"),
    ({"z_low": 3, "z_high": 2}, "z_high must be above z_low"),
    ({"treshold": 2}, "Extra inputs are not permitted"),
], ids=["unknown_feature", "unknown_direction", "falling_scale", "unknown_key"])
def test_it_rejects_a_config_it_cannot_use(config, message):
    with pytest.raises(ValidationError, match=message):
        OutlierConfig.model_validate(config)


# Half the peers at 0, half spread: the MAD is 0, the IQR is not. Then a MAD above the floor.
SPREADS = [
    pytest.param([0, 0, 0, 0, 0, 0.1, 0.2, 0.3], 0.02, (0.125 - 0.0) / 1.349, id="mad_0_so_the_iqr"),
    pytest.param([0.1, 0.2, 0.3, 0.31, 0.32, 0.9, 1.0], 0.02, 0.11 * 1.4826, id="the_mad_first"),  # IQR: 0.27
    pytest.param([0, 0, 0, 0, 0, 0, 0, 0.5], 0.02, 0.02, id="no_spread_so_the_floor"),
]


@pytest.mark.parametrize(("values", "floor", "spread"), SPREADS)
def test_it_measures_peer_spread_by_the_mad_then_the_iqr_never_below_the_floor(values, floor, spread):
    _, measured = robust_spread(pd.DataFrame({"share": values}), pd.Series({"share": floor}))
    assert measured["share"] == pytest.approx(spread)
