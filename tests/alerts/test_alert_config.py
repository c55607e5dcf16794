"""The alerts section of rules/scoring.yaml is checked like the rest of the file."""

from __future__ import annotations

import pytest

from monitor.ranking.score import load_scoring_config
from monitor.yamlfile import ConfigFileError
from tests.alerts.scenario import RULES_DIR


def test_the_shipped_alert_settings_load_with_their_dismiss_reasons():
    alerts = load_scoring_config(RULES_DIR).alerts
    # 27: calibrated on the demo with the evidence classes and rarity (docs/scoring.md, "Alert threshold").
    assert alerts.threshold == 27 and alerts.wake_score_rise > 0 and alerts.reopen_score_rise > 0
    assert {"forklarad", "datafel", "ingen_avvikelse"} <= set(alerts.dismiss_reasons)


@pytest.mark.parametrize(("text", "message"), [
    ("alerts:\n  threshold: 150\n", r"scoring.yaml:2: alerts.threshold: Input should be less than or equal to 100"),
    ("alerts:\n  threshold: 50\n  wake_rise: 5\n", r"scoring.yaml:3: alerts.wake_rise: unknown field"),
    ("alerts:\n  dismiss_reasons: {}\n", r"scoring.yaml:2: alerts.dismiss_reasons"),
], ids=["threshold-over-100", "misspelt-key", "no-dismiss-reasons"])
def test_a_wrong_alert_setting_names_the_file_line_and_field(tmp_path, text, message):
    (tmp_path / "scoring.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError, match=message):
        load_scoring_config(tmp_path)
