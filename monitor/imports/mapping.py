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

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError


class MappingError(Exception):
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
    """Load and check a mapping file; every error names the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise MappingError(f"{path}: cannot read mapping: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise MappingError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    try:
        mapping = ColumnMapping.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise MappingError(f"{path}: field '{field}': {err['msg']}") from exc
    for section in ("columns", "values"):
        unknown = sorted(set(getattr(mapping, section)) - known_columns)
        if unknown:
            raise MappingError(
                f"{path}: {section}: unknown column(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known_columns))}"
            )
    return mapping
