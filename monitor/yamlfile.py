"""YAML config files that report errors as `file:line: what`.

Users edit rules/*.yaml and feeds.yaml by hand; an error must point at the line. Every YAML
file the project reads goes through `load_yaml`, so what it refuses is refused everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


class ConfigFileError(Exception):
    """A user-edited config file is invalid; the message is one line naming file and line (a
    line per problem when several are reported at once: see `errors`)."""

    @property
    def errors(self) -> list[str]:
        return str(self).splitlines()


def raise_all(errors: list[str]) -> None:
    """One ConfigFileError listing every problem found, a line each (nothing if none)."""
    if errors:
        raise ConfigFileError("\n".join(errors))


class _AnchorFound(yaml.YAMLError):
    def __init__(self, event: yaml.Event) -> None:
        super().__init__()
        self.event = event


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that stops at the first anchor or alias.

    An alias is a pointer: ten lines of aliases to aliases ("billion laughs") stand for
    billions of values, and every walk over the data (duplicate keys, validation) follows
    them all, so a command would hang until killed. No config file here needs them."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:  # type: ignore[override]
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise _AnchorFound(event)
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


def load_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The parsed data and its node tree (which knows the line of every key)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot read: {exc.strerror}") from exc
    loader = _NoAliasLoader(text)
    try:
        tree = loader.get_single_node()
        data = None if tree is None else loader.construct_document(tree)
    except _AnchorFound as found:
        event = found.event
        sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
        raise ConfigFileError(
            f"{path}:{event.start_mark.line + 1}: YAML anchors and aliases ({sign}{event.anchor}) are not "
            "allowed: write the value out in full"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigFileError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    finally:
        loader.dispose()
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
    "field: problem" for top-level settings files."""
    return all_errors(exc, *prefix, terse=terse)[0]


def all_errors(exc: ValidationError, *prefix: str, terse: bool = False) -> list[tuple[list[str | int], str]]:
    """Every validation error, as first_error words each."""
    return [_worded(err, prefix, terse) for err in exc.errors()]


def _worded(err: Any, prefix: tuple[str, ...], terse: bool) -> tuple[list[str | int], str]:
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
