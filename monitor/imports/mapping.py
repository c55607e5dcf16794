"""Column mappings: how one system's export headers and values map to ours.

```yaml
columns:            # our column: the header in the file
  visit_id: Besöks-ID
  client_id: Personnummer
values:             # per column: the file's value -> ours
  registration_method:
    Digitalt lås: digital_lock
```
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from monitor.yamlfile import ConfigFileError, first_error, load_yaml, node_line


class MappingError(ConfigFileError):
    pass


class ColumnMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}

    def header_for(self, column: str) -> str:
        return self.columns.get(column, column)

    def translate(self, column: str, value: str) -> str:
        table = self.values.get(column)
        if not table:
            return value
        return table.get(value, table.get(value.strip(), value))


def load_mapping(path: Path, known_columns: set[str]) -> ColumnMapping:
    """Load and check a mapping file; every error names the file, the line and the field."""
    data, tree = load_yaml(path)
    try:
        mapping = ColumnMapping.model_validate(data or {})
    except ValidationError as exc:
        loc, problem = first_error(exc)
        raise MappingError(f"{path}:{node_line(tree, *loc)}: {problem}") from exc
    for section in ("columns", "values"):
        unknown = sorted(set(getattr(mapping, section)) - known_columns)
        if unknown:
            raise MappingError(
                f"{path}:{node_line(tree, section, unknown[0])}: {section}: unknown column(s) "
                f"{', '.join(unknown)}; known: {', '.join(sorted(known_columns))}"
            )
    return mapping
