"""`rules list` shows how many suppliers each rule flagged in the latest run and warns about common ones."""

import json
import shutil

from monitor.config import PROJECT_DIR
from tests.conftest import invoke


def test_rules_list_shows_each_rules_hit_rate_and_warns_about_a_common_one(scored):
    listed = {r["id"]: r["latest_run_hits"] for r in json.loads(invoke(scored, "rules", "list", "--format", "json").stdout)}
    assert listed["door-observation-mismatch"] == {"suppliers": 1, "of": 2, "share": 0.5, "common": True}
    assert listed["staff-overlap"] == {"suppliers": 0, "of": 2, "share": 0.0, "common": False}
    table = invoke(scored, "rules", "list")
    assert "1 av 2 (50 %) – vanligt, säger lite" in table.stdout
    assert "Varning: 1 regel flaggade mer än 25 % av leverantörerna" in table.stderr
    assert "door-observation-mismatch" in table.stderr
    english = invoke(scored, "--lang", "en", "rules", "list")
    assert "1 of 2 (50%) – common, tells little" in english.stdout and "Warning: 1 rule flagged" in english.stderr


def test_the_share_that_counts_as_common_is_the_analysts_to_set(scored, tmp_path):
    rules_dir = tmp_path / "rules"
    shutil.copytree(PROJECT_DIR / "rules", rules_dir)
    scoring = rules_dir / "scoring.yaml"
    scoring.write_text(scoring.read_text(encoding="utf-8").replace("common_rule_share: 0.25", "common_rule_share: 0.6"),
                       encoding="utf-8")
    table = invoke({**scored, "MONITOR_RULES_DIR": str(rules_dir)}, "rules", "list")
    assert "1 av 2 (50 %)" in table.stdout and "vanligt" not in table.stdout and "Varning" not in table.stderr


def test_rules_list_needs_no_database_and_says_so_with_a_dash(tmp_path, env):
    result = invoke({**env, "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}, "rules", "list",
                    "--format", "json")
    assert result.exit_code == 0 and all(r["latest_run_hits"] is None for r in json.loads(result.stdout))
    assert not (tmp_path / "none.db").exists()


def test_rules_test_warns_when_the_rule_as_written_would_flag_a_common_sign(scored):
    result = invoke(scored, "rules", "test", "door-observation-mismatch")
    assert "Varning: door-observation-mismatch skulle flagga 1 av 2 leverantörer i registret, mer än 25 %" \
        in result.stderr
    out = json.loads(invoke(scored, "rules", "test", "door-observation-mismatch", "--format", "json").stdout)
    assert out["suppliers"] == {"flagged": 1, "registered": 2, "common": True}
    quiet = invoke(scored, "rules", "test", "staff-overlap")
    assert "Varning" not in quiet.stderr


def test_rules_list_says_whether_each_rule_is_direct_evidence_or_a_statistical_sign(tmp_path, env):
    result = invoke({**env, "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}, "rules", "list",
                    "--format", "json")
    classes = {r["id"]: r["evidence"] for r in json.loads(result.stdout)}
    assert classes["door-observation-mismatch"] == classes["visit-during-absence"] == "direct"
    assert classes["late-registration"] == classes["manual-registration-share"] == "statistical"
    assert "bevisklass" in invoke({**env, "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"},
                                  "rules", "list").stdout
