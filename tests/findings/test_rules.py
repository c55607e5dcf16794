"""Rules in rules/*.yaml: loaded and validated before anything runs, errors pointing at file:line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import PROJECT_DIR
from monitor.findings.detectors import DETECTORS
from monitor.findings.rules import Rule, load_rules
from monitor.ranking.score import load_scoring_config
from monitor.yamlfile import ConfigFileError

RULES_DIR = PROJECT_DIR / "rules"
runner = CliRunner()

# Line numbers matter: 1 rules, 2 id, 3 title, 4 kind, 5 severity, 6 params, 7 max_distance_m.
RULE = """\
rules:
  - id: door-watch
    title: Besök under portobservation
    kind: door_observation_mismatch
    severity: critical
    params:
      max_distance_m: 40
"""


def write_rules(folder: Path, text: str, name: str = "visits.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load_one(tmp_path: Path, text: str) -> Rule:
    write_rules(tmp_path / "rules", text)
    (rule,) = load_rules(tmp_path / "rules")
    return rule


def test_all_rules_load():
    rules = load_rules(RULES_DIR)
    assert rules, "the shipped rules folder holds no rules"
    assert len({r.id for r in rules}) == len(rules)
    for rule in rules:
        assert rule.kind in DETECTORS
        assert rule.effective_params == DETECTORS[rule.kind].Params.model_validate(rule.params)
        assert Path(rule.source_file).parent == RULES_DIR and rule.source_line > 0
    config = load_scoring_config(RULES_DIR)
    assert {r.severity for r in rules} <= set(config.severity_points)


def test_it_reads_a_rule_with_defaults_for_unwritten_params(tmp_path):
    rule = load_one(tmp_path, RULE)
    assert (rule.id, rule.severity, rule.weight, rule.enabled) == ("door-watch", "critical", 1.0, True)
    assert rule.effective_params.model_dump() == {
        "max_distance_m": 40.0, "edge_margin_minutes": 2.0, "max_visit_hours": 24.0,
    }


def _insert(line: int, text: str) -> str:
    lines = RULE.splitlines(keepends=True)
    return "".join([*lines[: line - 1], text, *lines[line - 1 :]])


BROKEN = [
    ("unknown_field", _insert(5, "    treshold: 3\n"),
     ":5: rule 'door-watch': unknown field 'treshold'"),
    ("unknown_kind", RULE.replace("kind: door_observation_mismatch", "kind: door_watch"),
     ":4: rule 'door-watch': unknown kind 'door_watch'; valid kinds: billed_vs_registered, billed_without_visits"),
    ("wrong_param_type", RULE.replace("max_distance_m: 40", 'max_distance_m: "far"'),
     ":7: rule 'door-watch': field 'params.max_distance_m': Input should be a valid number"),
    ("unknown_param", RULE + "      max_distanse_m: 30\n",
     ":8: rule 'door-watch': unknown field 'params.max_distanse_m'"),
    ("negative_param", RULE.replace("max_distance_m: 40", "max_distance_m: -5"),
     ":7: rule 'door-watch': field 'params.max_distance_m': Input should be greater than or equal to 0"),
    ("unknown_severity", RULE.replace("severity: critical", "severity: extreme"),
     ":5: rule 'door-watch': field 'severity': Input should be 'low', 'medium', 'high' or 'critical'"),
    ("missing_title", RULE.replace("    title: Besök under portobservation\n", ""),
     ":2: rule 'door-watch': missing field 'title'"),
    ("zero_weight", RULE + "    weight: 0\n",
     ":8: rule 'door-watch': field 'weight': Input should be greater than 0"),
    ("yes_as_a_distance", RULE.replace("max_distance_m: 40", "max_distance_m: yes"),
     ":7: rule 'door-watch': field 'params.max_distance_m': Input should be a valid number"),
    ("kind_written_as_a_list", RULE.replace("kind: door_observation_mismatch", "kind: [door_observation_mismatch]"),
     ":4: rule 'door-watch': unknown kind ['door_observation_mismatch']; valid kinds: billed_vs_registered, billed_without_visits"),
    ("invalid_yaml", RULE + "   - id: [broken\n", ":8: not valid YAML"),
]


@pytest.mark.parametrize(("text", "expected"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_it_rejects_a_broken_rule_naming_file_line_rule_and_field(tmp_path, text, expected):
    path = write_rules(tmp_path, text)
    with pytest.raises(ConfigFileError) as error:
        load_rules(tmp_path)
    assert str(error.value).startswith(f"{path}{expected}"), str(error.value)


def test_it_rejects_an_id_used_twice_naming_both_places(tmp_path):
    first = write_rules(tmp_path, RULE, "a.yaml")
    second = write_rules(tmp_path, RULE.replace("title: Besök", "title: Annat besök"), "b.yaml")
    with pytest.raises(ConfigFileError) as error:
        load_rules(tmp_path)
    assert str(error.value) == (
        f"{second}:2: rule 'door-watch': duplicate rule id (first defined at {first}:2)"
    )


def test_it_names_the_line_of_a_broken_scoring_file(tmp_path):
    write_rules(tmp_path, RULE)
    path = write_rules(tmp_path, "severity_points:\n  high: 35\nsaturation: 0\n", "scoring.yaml")
    assert len(load_rules(tmp_path)) == 1  # scoring.yaml is not read as a rule file
    with pytest.raises(ConfigFileError, match=rf"^{re.escape(str(path))}:3: saturation: Input should be greater than 0"):
        load_scoring_config(tmp_path)


VERSION_CHANGES = [
    ("param", RULE.replace("max_distance_m: 40", "max_distance_m: 60"), True),
    ("new_param", RULE + "      edge_margin_minutes: 5\n", True),
    ("severity", RULE.replace("severity: critical", "severity: high"), True),
    ("weight", RULE + "    weight: 2\n", True),
    ("title", RULE.replace("title: Besök under", "title: Besök registrerade under"), False),
    ("description", _insert(4, "    description: Teamet såg ingen personal.\n"), False),
    ("default_written_out", RULE + "      edge_margin_minutes: 2\n", False),
    ("same_number_as_float", RULE.replace("max_distance_m: 40", "max_distance_m: 40.0"), False),
]


@pytest.mark.parametrize(("text", "changes"), [v[1:] for v in VERSION_CHANGES], ids=[v[0] for v in VERSION_CHANGES])
def test_it_changes_the_version_with_what_the_rule_finds_not_with_its_words(tmp_path, text, changes):
    before = load_one(tmp_path / "before", RULE).version
    after = load_one(tmp_path / "after", text).version
    assert (after != before) is changes


def test_it_passes_rules_check_on_the_shipped_rules():
    result = runner.invoke(app, ["--rules-dir", str(RULES_DIR), "rules", "check"])
    assert result.exit_code == 0, result.output
    assert f"{len(load_rules(RULES_DIR))} regler utan fel i {RULES_DIR}" in result.stdout


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [("visits.yaml", _insert(5, "    treshold: 3\n"), ":5: rule 'door-watch': unknown field 'treshold'"),
     ("scoring.yaml", "saturation: 50\ndigest_top: 0\n", ":2: digest_top: Input should be greater than")],
    ids=["rule_file", "scoring_file"],
)
def test_it_fails_rules_check_with_file_and_line_of_a_broken_file(tmp_path, name, text, expected):
    write_rules(tmp_path, RULE)
    path = write_rules(tmp_path, text, name)
    result = runner.invoke(app, ["--rules-dir", str(tmp_path), "rules", "check"])
    assert result.exit_code == 2
    assert f"Error: {path}{expected}" in result.stderr
    assert "Traceback" not in result.output


def test_it_prints_brackets_in_a_rules_check_error_as_written(tmp_path):
    write_rules(tmp_path, RULE.replace("id: door-watch", "id: Door-Watch"))
    result = runner.invoke(app, ["--rules-dir", str(tmp_path), "rules", "check"])
    assert result.exit_code == 2
    assert "String should match pattern '^[a-z0-9][a-z0-9-]*$'" in result.stderr


def test_it_reads_a_plain_scope_list_as_contract_areas_and_a_mapping_with_service_types(tmp_path):
    plain = load_one(tmp_path / "a", RULE + "    scope: [Hemtjänst]\n")
    mapping = load_one(tmp_path / "b", RULE + "    scope:\n      service_types: [dusch]\n")
    assert (plain.scope.contract_areas, plain.scope.service_types) == (("Hemtjänst",), ())
    assert (mapping.scope.contract_areas, mapping.scope.service_types) == ((), ("dusch",))
    assert plain.version != mapping.version


def test_it_refuses_a_period_for_a_kind_that_reports_single_events(tmp_path):
    path = write_rules(tmp_path, RULE + "    period: week\n")
    with pytest.raises(ConfigFileError) as error:
        load_rules(tmp_path)
    assert str(error.value) == (
        f"{path}:8: rule 'door-watch': kind 'door_observation_mismatch' reports single events and takes no 'period'"
    )


def test_it_refuses_an_unknown_period_naming_the_choices(tmp_path):
    path = write_rules(tmp_path, RULE + "    period: fortnight\n")
    with pytest.raises(ConfigFileError) as error:
        load_rules(tmp_path)
    assert str(error.value).startswith(f"{path}:8: rule 'door-watch': field 'period': Input should be 'day', 'week'")


def test_it_keeps_docs_rules_md_in_step_with_the_detectors():
    from monitor.findings.reference import detectors_markdown

    docs = PROJECT_DIR / "docs" / "rules.md"
    assert docs.read_text(encoding="utf-8") == detectors_markdown(), (
        "docs/rules.md is out of date: run `monitor rules docs > docs/rules.md`"
    )


def test_it_documents_every_parameter_of_every_detector():
    for kind, detector in DETECTORS.items():
        assert detector.doc, f"{kind} has no module docstring"
        for name, field in detector.Params.model_fields.items():
            assert field.description, f"{kind}.{name} has no description"
        assert {"sv", "en"} <= set(detector.messages), f"{kind} lacks Swedish or English messages"


def test_it_refuses_a_key_written_twice_which_yaml_would_silently_overwrite(tmp_path):
    path = write_rules(tmp_path, RULE + "      max_distance_m: 80\n")
    with pytest.raises(ConfigFileError) as error:
        load_rules(tmp_path)
    assert str(error.value) == f"{path}:8: key 'max_distance_m' appears twice (first at line 7)"


def test_it_points_at_the_line_of_the_bad_item_inside_a_list(tmp_path):
    text = RULE.replace("    params:\n      max_distance_m: 40\n",
                        "    scope:\n      contract_areas:\n        - Hemtjänst\n        - [LSS]\n")
    path = write_rules(tmp_path, text)
    with pytest.raises(ConfigFileError) as error:
        load_rules(tmp_path)
    assert str(error.value).startswith(f"{path}:9: rule 'door-watch': field 'scope.contract_areas.1'")


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"], ids=["infinity", "minus_infinity", "not_a_number"])
def test_it_refuses_infinite_or_undefined_numbers_as_params(tmp_path, value):
    path = write_rules(tmp_path, RULE.replace("max_distance_m: 40", f"max_distance_m: {value}"))
    with pytest.raises(ConfigFileError) as error:
        load_rules(tmp_path)
    assert str(error.value).startswith(f"{path}:7: rule 'door-watch': field 'params.max_distance_m'")


def test_it_stores_numpy_numbers_and_undefined_values_as_plain_json():
    from monitor.findings.evaluate import json_safe

    detail = {"key": "x", "args": {"share_pct": np.float64(41.5), "visits": np.int64(3), "ratio": float("nan")}}
    assert json.dumps(json_safe(detail), allow_nan=False) == (
        '{"key": "x", "args": {"share_pct": 41.5, "visits": 3, "ratio": null}}'
    )


def test_it_lists_each_rule_with_defaults_filled_in_period_and_scope(tmp_path, monkeypatch):
    from monitor.cli.common import console

    monkeypatch.setattr(console, "width", 300)  # one table row per rule
    write_rules(tmp_path, RULE + "    scope: [Hemtjänst]\n")
    write_rules(tmp_path, "rules:\n  - id: manual\n    title: Manuellt\n    kind: manual_registration_share\n"
                          "    severity: medium\n    period: month\n    params:\n      max_share: 0.3\n", "b.yaml")
    result = runner.invoke(app, ["--rules-dir", str(tmp_path), "rules", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    door = next(line for line in lines if "door-watch" in line)
    manual = next(line for line in lines if "│ manual " in line)
    assert "edge_margin_minutes=2.0" in result.stdout  # a default the file does not write
    assert "Hemtjänst" in door and "month" in manual
    assert "max_share=0.3" in result.stdout


def test_it_prints_the_reference_that_docs_rules_md_holds():
    result = runner.invoke(app, ["rules", "docs"])
    assert result.exit_code == 0
    assert result.stdout == (PROJECT_DIR / "docs" / "rules.md").read_text(encoding="utf-8")


THRESHOLD = """\
rules:
  - id: manual-high
    title: Många manuella
    kind: threshold
    severity: medium
    params:
      metric: {metric}
      op: "{op}"
      value: {value}
"""

OUT_OF_RANGE = [
    ("negative_share", "manual_share", ">=", "-5", "value -5 is outside what manual_share can be (0 to 1)"),
    ("share_as_percent", "manual_share", ">=", "30", "(shares are fractions: 0.3 for 30 %)"),
    ("negative_hours", "hours_per_staff_day", ">", "-1", "value -1 is outside what hours_per_staff_day can be"),
    ("always_true", "manual_share", ">=", "0", "manual_share >= 0 is always true: the rule would flag every supplier"),
    ("never_true", "manual_share", ">", "1", "manual_share > 1 is never true: the rule would flag no supplier"),
]


@pytest.mark.parametrize(("metric", "op", "value", "expected"), [c[1:] for c in OUT_OF_RANGE],
                         ids=[c[0] for c in OUT_OF_RANGE])
def test_it_refuses_a_threshold_outside_what_its_metric_can_be(tmp_path, metric, op, value, expected):
    path = write_rules(tmp_path, THRESHOLD.format(metric=metric, op=op, value=value))
    with pytest.raises(ConfigFileError) as error:
        load_rules(tmp_path)
    assert str(error.value).startswith(f"{path}:6: rule 'manual-high': field 'params': "), str(error.value)
    assert expected in str(error.value)


def test_it_accepts_a_threshold_inside_its_metrics_range(tmp_path):
    write_rules(tmp_path, THRESHOLD.format(metric="manual_share", op=">=", value="0.3"))
    assert load_rules(tmp_path)[0].effective_params.value == 0.3  # type: ignore[attr-defined]


def test_rules_check_reports_every_error_in_every_file(tmp_path):
    two_in_one_rule = RULE.replace("severity: critical", "severity: urgent").replace("max_distance_m: 40",
                                                                                      "max_distance_m: -3")
    first = write_rules(tmp_path, two_in_one_rule, "a.yaml")
    second = write_rules(tmp_path, THRESHOLD.format(metric="manual_share", op=">=", value="-5"), "b.yaml")
    scoring = write_rules(tmp_path, "saturation: 0\n", "scoring.yaml")
    result = runner.invoke(app, ["--rules-dir", str(tmp_path), "rules", "check"])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert [e.split(": ")[1].rsplit(":", 1)[0] for e in errors] == [str(first), str(first), str(second), str(scoring)]
    assert "field 'severity'" in errors[0] and "params.max_distance_m" in errors[1]
    assert "4 fel i" in result.stderr
