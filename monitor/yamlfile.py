"""YAML config files that report errors as `file:line: what`.

Users edit rules/*.yaml and feeds.yaml by hand; an error must point at the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


class ConfigFileError(Exception):
    """A user-edited config file is invalid; the message is one line naming file and line."""


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The parsed data and its node tree (which knows the line of every key)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data, tree = yaml.safe_load(text), yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigFileError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    _refuse_duplicate_keys(path, tree)
    return data, tree


def _refuse_duplicate_keys(path: Path, node: yaml.Node | None) -> None:
    """YAML lets a later key silently replace an earlier one; in a hand-edited rule that hides
    a threshold the analyst believes is in force."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    first = seen[key.value]
                    raise ConfigFileError(f"{path}:{line}: key '{key.value}' appears twice (first at line {first})")
                seen[key.value] = line
            _refuse_duplicate_keys(path, value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(path, item)


def node_line(node: yaml.Node | None, *path: str | int) -> int | None:
    """1-based line of the value at `path` inside a composed node, as deep as it exists."""
    line = node.start_mark.line + 1 if node is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def first_error(exc: ValidationError, *prefix: str, terse: bool = False) -> tuple[list[str | int], str]:
    """The first validation error as (path to the field, short description); `terse` gives
    "field: problem" for top-level settings files.

    Only the first is reported: one clear line beats a page of follow-on errors."""
    err = exc.errors()[0]
    # List positions stay ints, so node_line can step into the list to the item's own line.
    loc: list[str | int] = [*prefix, *(p if isinstance(p, int) else str(p) for p in err["loc"])]
    field = ".".join(str(p) for p in loc)
    if terse:
        return loc, f"{field}: {'unknown field' if err['type'] == 'extra_forbidden' else err['msg']}"
    if err["type"] == "extra_forbidden":
        return loc, f"unknown field '{field}'"
    if err["type"] == "missing":
        return loc, f"missing field '{field}'"
    return loc, f"field '{field}': {err['msg']}"
