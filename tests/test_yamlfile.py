"""Every YAML file the project reads goes through one loader, which refuses anchors and aliases."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.alerting.mail import load_strings
from monitor.cli import app
from monitor.findings.rules import load_rules
from monitor.imports import SPECS, load_mapping
from monitor.media.feeds import load_feeds
from monitor.media.keywords import load_media_rules
from monitor.ranking.score import load_scoring_config
from monitor.yamlfile import ConfigFileError, load_yaml

# Nine levels of nine: 387 million strings once expanded, in ten lines ("billion laughs").
BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
) + "\n"


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: the loaders before the fix ran for hours on BOMB."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"still loading after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# (file the bomb is written to, how the project reads that kind of file)
FILE_KINDS: list[tuple[str, str, Callable[[Path], Any]]] = [
    ("rules", "rules/visits.yaml", lambda p: load_rules(p.parent)),
    ("feeds", "feeds.yaml", load_feeds),
    ("media", "rules/media.yaml", lambda p: load_media_rules(p.parent)),
    ("scoring", "rules/scoring.yaml", lambda p: load_scoring_config(p.parent)),
    ("alert-strings", "alerts/strings.yaml", lambda p: load_strings(p.parent, "sv")),
    ("mapping", "mappings/tidsregistrering.yaml", lambda p: load_mapping(p, SPECS["visits"].all_columns)),
]


@pytest.mark.parametrize(("name", "load"), [k[1:] for k in FILE_KINDS], ids=[k[0] for k in FILE_KINDS])
def test_it_refuses_an_alias_bomb_in_every_kind_of_file_at_once(tmp_path, name, load):
    path = _write(tmp_path / name, BOMB)
    started = time.monotonic()
    with deadline(3), pytest.raises(ConfigFileError) as caught:
        load(path)
    assert time.monotonic() - started < 1
    assert str(caught.value).startswith(f"{path}:1: YAML anchors and aliases (&a) are not allowed")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("threshold: &t 3\nother: *t\n", ":1: YAML anchors and aliases (&t)"),
        ("base: {a: 1}\nrule:\n  <<: *base\n", ":3: YAML anchors and aliases (*base)"),
        ("rules:\n  - &r {id: x}\n", ":2: YAML anchors and aliases (&r)"),
    ],
    ids=["anchor-and-alias", "merge-key-alias", "anchor-in-a-list"],
)
def test_it_names_the_line_of_the_first_anchor_or_alias(tmp_path, text, error):
    path = _write(tmp_path / "x.yaml", text)
    with pytest.raises(ConfigFileError) as caught:
        load_yaml(path)
    assert str(caught.value).startswith(f"{path}{error}")


def test_it_still_reads_plain_yaml_and_empty_files(tmp_path):
    data, tree = load_yaml(_write(tmp_path / "x.yaml", "a: [1, 'two', {b: null}]\nc: 'x & *y'\n"))
    assert data == {"a": [1, "two", {"b": None}], "c": "x & *y"} and tree is not None
    assert load_yaml(_write(tmp_path / "empty.yaml", "# nothing yet\n")) == (None, None)


def test_feeds_check_ends_an_alias_bomb_in_one_line(tmp_path):
    path = _write(tmp_path / "feeds.yaml", BOMB)
    started = time.monotonic()
    with deadline(10):
        result = CliRunner().invoke(app, ["--feeds-file", str(path), "feeds", "check"])
    assert time.monotonic() - started < 2
    assert result.exit_code == 2
    assert f"{path}:1: YAML anchors and aliases" in " ".join(result.output.split())
