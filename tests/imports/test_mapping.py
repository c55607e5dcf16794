"""Mapping files: the analyst writes them by hand, so errors must point at the line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.imports import SPECS, load_mapping
from monitor.yamlfile import ConfigFileError
from tests.conftest import TEST_KEY

BROKEN = [
    ("unknown_column", "columns:\n  visit_id: Besöks-ID\n  staf_id: Personal-ID\n",
     ":3: columns: unknown column(s) staf_id"),
    ("unknown_section", "columns:\n  visit_id: Besöks-ID\nrename:\n  a: b\n", ":3: unknown field 'rename'"),
    ("value_table_not_a_mapping", "values:\n  registration_method: manual\n",
     ":2: field 'values.registration_method': Input should be a valid dictionary"),
    ("invalid_yaml", "columns:\n  visit_id: [Besöks-ID\n", ":3: not valid YAML"),
]


@pytest.mark.parametrize(("text", "expected"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_it_names_file_line_and_field_of_a_broken_mapping(tmp_path, text, expected):
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError) as caught:  # MappingError, or the YAML reader's own
        load_mapping(path, SPECS["visits"].all_columns)
    assert str(caught.value).startswith(f"{path}{expected}")


def test_import_with_a_broken_mapping_is_one_clear_line(tmp_path, db_url):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  staf_id: Personal-ID\n", encoding="utf-8")
    data = tmp_path / "v.csv"
    data.write_text("visit_id\nV1\n", encoding="utf-8")
    env = {"MONITOR_DATABASE_URL": db_url, "MONITOR_PSEUDONYM_KEY": TEST_KEY}
    result = CliRunner().invoke(app, ["import", "visits", str(data), "--mapping", str(mapping)], env=env)
    assert result.exit_code == 2
    assert f"{mapping}:2: columns: unknown column(s) staf_id" in result.output
