"""Rules: YAML definitions in rules/*.yaml, validated before anything runs.

A rule names a built-in detector (`kind`) and tunes it (`params`). Each rule's version is a
hash of its effective definition, stored on every finding, so a threshold change is visible.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from monitor.findings.detectors import DETECTORS, EvidenceClass
from monitor.findings.periods import Period
from monitor.yamlfile import ConfigFileError, all_errors, load_yaml, node_line, raise_all

Severity = Literal["low", "medium", "high", "critical"]
SCORING_FILE = "scoring.yaml"
# Settings files beside the rules, read by their own loaders (scoring weights, media keywords).
SETTINGS_FILES = (SCORING_FILE, "media.yaml")


class Scope(BaseModel):
    """Which visits a rule looks at. Empty lists mean all; a plain list means contract areas."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract_areas: tuple[str, ...] = Field((), description="Contract areas, e.g. Hemtjänst.")
    service_types: tuple[str, ...] = Field((), description="Service types of visits (case-insensitive).")

    @model_validator(mode="before")
    @classmethod
    def _plain_list_is_areas(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return {"contract_areas": value}
        return value

    def __bool__(self) -> bool:
        return bool(self.contract_areas or self.service_types)


class Title(BaseModel):
    """A rule's title in the team's languages. Swedish is required; English falls back to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sv: str = Field(min_length=1, description="Swedish title (the default language).")
    en: str = Field("", description="English title, shown with --lang en (Swedish when empty).")

    @model_validator(mode="before")
    @classmethod
    def _plain_text_is_swedish(cls, value: Any) -> Any:
        return {"sv": value} if isinstance(value, str) else value

    def in_language(self, language: str) -> str:
        return (self.en or self.sv) if language == "en" else self.sv

    def as_dict(self) -> dict[str, str]:
        return {"sv": self.sv, "en": self.en or self.sv}

    def __str__(self) -> str:
        return self.sv


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable id, stored on findings.")
    title: Title = Field(description="Short title shown to the team: text (Swedish) or {sv: ..., en: ...}.")
    description: str = ""
    kind: str
    enabled: bool = True
    severity: Severity
    weight: float = Field(1.0, gt=0, le=10)
    params: dict[str, Any] = {}
    scope: Scope = Field(default_factory=Scope, description="Contract areas and service types; empty means all.")
    period: Period | None = Field(None, description="day, week or month, for kinds that aggregate.")
    evidence: EvidenceClass | None = Field(
        None, description="direct (a registered visit shown not to have happened as registered) or statistical "
                          "(a sign in shares, hours or comparisons); default: the kind's own class.",
    )
    source_file: str = Field("", exclude=True)
    source_line: int = Field(0, exclude=True)

    @property
    def effective_params(self) -> BaseModel:
        return DETECTORS[self.kind].Params.model_validate(self.params)

    @property
    def effective_period(self) -> Period | None:
        return self.period or DETECTORS[self.kind].period  # type: ignore[return-value]

    @property
    def evidence_class(self) -> EvidenceClass:
        return self.evidence or DETECTORS[self.kind].evidence_class

    @property
    def version(self) -> str:
        definition = {
            "kind": self.kind,
            "severity": self.severity,
            "weight": self.weight,
            "scope": {
                "contract_areas": sorted(self.scope.contract_areas),
                "service_types": sorted(self.scope.service_types),
            },
            "period": self.effective_period,
            "params": self.effective_params.model_dump(mode="json"),
        }
        if self.evidence is not None:
            # Only when set, so the versions of rules that leave it to their kind stay as they were.
            definition["evidence"] = self.evidence
        blob = json.dumps(definition, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[dict[str, Any]] = []


def _rule_files(rules_dir: Path) -> list[Path]:
    if not rules_dir.is_dir():
        raise ConfigFileError(f"{rules_dir}: rules folder not found (set MONITOR_RULES_DIR or --rules-dir)")
    return sorted(
        p for p in (*rules_dir.glob("*.yaml"), *rules_dir.glob("*.yml")) if p.name not in SETTINGS_FILES
    )


def load_rules(rules_dir: Path) -> list[Rule]:
    """Every rule in the folder, or a ConfigFileError naming file, line, rule and field of every
    problem in every file (a line each), so the analyst fixes them in one round."""
    rules: list[Rule] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    for path in _rule_files(rules_dir):
        try:
            data, tree = load_yaml(path)
        except ConfigFileError as exc:
            errors += exc.errors
            continue
        if data is None:
            continue
        if not isinstance(data, dict):
            errors.append(f"{path}:1: expected 'rules:' followed by a list of rules")
            continue
        try:
            RuleFile.model_validate(data)
        except ValidationError as exc:
            errors += [f"{path}:{node_line(tree, *loc[:1])}: {problem}"
                       for loc, problem in all_errors(exc, terse=True)]
            continue
        for index, raw in enumerate(data.get("rules") or []):
            try:
                rules.append(_parse_rule(path, tree, index, raw, seen))
            except ConfigFileError as exc:
                errors += exc.errors
    raise_all(errors)
    return rules


def _parse_rule(path: Path, tree: Any, index: int, raw: Any, seen: dict[str, str]) -> Rule:
    line = node_line(tree, "rules", index)
    name = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
    where = f"{path}:{line}: rule '{name}'"
    if not isinstance(raw, dict):
        raise ConfigFileError(f"{where}: expected a mapping of fields")
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in DETECTORS:
        kinds = ", ".join(sorted(DETECTORS))
        problem = "missing field 'kind'" if kind is None else f"unknown kind {kind!r}"
        raise ConfigFileError(
            f"{path}:{node_line(tree, 'rules', index, 'kind')}: rule '{name}': {problem}; valid kinds: {kinds}"
        )
    errors: list[str] = []
    try:
        rule = Rule.model_validate({**raw, "source_file": str(path), "source_line": line or 0})
    except ValidationError as exc:
        errors += _located(path, tree, index, name, exc, ())
        rule = None
    try:
        DETECTORS[kind].Params.model_validate(raw.get("params") or {})
    except ValidationError as exc:
        # An error from the detector's Params model is about a field under `params:`.
        errors += _located(path, tree, index, name, exc, ("params",))
    except (TypeError, ValueError) as exc:
        errors.append(f"{path}:{node_line(tree, 'rules', index, 'params')}: rule '{name}': field 'params': {exc}")
    raise_all(errors)
    assert rule is not None
    for field_name, value in rule.effective_params.model_dump().items():
        # YAML reads .inf and .nan as numbers; no threshold means that, and JSON cannot store it.
        if isinstance(value, float) and not math.isfinite(value):
            errors.append(
                f"{path}:{node_line(tree, 'rules', index, 'params', field_name)}: rule '{name}': "
                f"field 'params.{field_name}': must be a finite number, not {value}"
            )
    if rule.period is not None and DETECTORS[rule.kind].period is None:
        errors.append(
            f"{path}:{node_line(tree, 'rules', index, 'period')}: rule '{name}': kind {rule.kind!r} "
            "reports single events and takes no 'period'"
        )
    if rule.id in seen:
        errors.append(f"{where}: duplicate rule id (first defined at {seen[rule.id]})")
    raise_all(errors)
    seen[rule.id] = f"{path}:{line}"
    return rule


def _located(path: Path, tree: Any, index: int, name: str, exc: ValidationError, prefix: tuple[str, ...]) -> list[str]:
    return [f"{path}:{node_line(tree, 'rules', index, *loc)}: rule '{name}': {problem}"
            for loc, problem in all_errors(exc, *prefix)
            # The rule model cannot judge params (a plain dict); the detector's model does.
            if not (not prefix and loc and loc[0] == "params")]
