from __future__ import annotations

import pytest

from monitor.config import ConfigError, load_settings


def test_it_reads_settings_from_the_environment_it_is_given():
    settings = load_settings({"MONITOR_DATABASE_URL": "sqlite:///x.db", "MONITOR_LANGUAGE": "en", "HOME": "/"})
    assert (settings.database_url, settings.language) == ("sqlite:///x.db", "en")


def test_cli_options_win_over_the_environment():
    settings = load_settings({"MONITOR_DATABASE_URL": "sqlite:///env.db"}, database_url="sqlite:///cli.db")
    assert settings.database_url == "sqlite:///cli.db"


def test_it_reads_a_secret_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("s3cret-file-key-0123\n")
    settings = load_settings({"MONITOR_PSEUDONYM_KEY_FILE": str(key_file)})
    assert settings.pseudonym_key_bytes() == b"s3cret-file-key-0123"


def test_a_dump_of_the_settings_redacts_secrets():
    settings = load_settings(
        {"MONITOR_PSEUDONYM_KEY": "s3cret", "MONITOR_DATABASE_URL": "postgresql://app:pw@db/monitor"}
    )
    dump = settings.redacted()
    assert dump["MONITOR_PSEUDONYM_KEY"] == "<redacted>"
    assert "pw" not in dump["MONITOR_DATABASE_URL"] and "s3cret" not in str(dump)


def test_a_missing_key_is_explained():
    with pytest.raises(ConfigError, match="MONITOR_PSEUDONYM_KEY"):
        load_settings({}).pseudonym_key_bytes()


def test_a_bad_value_names_the_variable():
    with pytest.raises(ConfigError, match="MONITOR_SMTP_PORT"):
        load_settings({"MONITOR_SMTP_PORT": "twenty-five"})
