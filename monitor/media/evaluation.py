"""Measure media matching on a labelled set: is the right supplier named, and is risk only
given where the article is bad news for it?

The set (tests/data/media/ by default) is two YAML files: suppliers.yaml, the register, and
articles.yaml, items of `class`, `title`, `summary` and `expect` (supplier id -> risky). An
article is risky for a supplier when its risk is above 0, as media_signals counts it.

- recall: of the expected risky (article, supplier) pairs, the share given risk;
- precision: of the pairs given risk, the share expected risky;
- false-risk rate: of the units that should carry no risk (each expected non-risky pair, and
  each article that should match no one), the share given risk;
- wrong supplier: a supplier matched that the item does not expect at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitor.media.keywords import MediaRules, score_article_by_supplier
from monitor.media.matching import SupplierName
from monitor.media.signals import article_text


@dataclass
class ClassFigures:
    risky: int = 0  # expected risky pairs
    found: int = 0  # of those, given risk
    flagged: int = 0  # pairs given risk
    clean: int = 0  # units expected without risk
    false_risk: int = 0  # of those, given risk
    wrong_supplier: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.risky if self.risky else None

    @property
    def precision(self) -> float | None:
        return (self.flagged - self._false_flags) / self.flagged if self.flagged else None

    @property
    def false_risk_rate(self) -> float | None:
        return self.false_risk / self.clean if self.clean else None

    _false_flags: int = 0


@dataclass
class ItemResult:
    id: str
    cls: str
    expected: dict[str, bool]
    risks: dict[str, float]
    problems: list[str] = field(default_factory=list)


@dataclass
class QualityReport:
    by_class: dict[str, ClassFigures]
    items: list[ItemResult]

    @property
    def total(self) -> ClassFigures:
        total = ClassFigures()
        for figures in self.by_class.values():
            for name in ("risky", "found", "flagged", "clean", "false_risk", "wrong_supplier", "_false_flags"):
                setattr(total, name, getattr(total, name) + getattr(figures, name))
        return total


def load_suppliers(path: Path) -> list[SupplierName]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [SupplierName(s["id"], s.get("org_number"), s["name"], tuple(s.get("aliases", ())))
            for s in data["suppliers"]]


def load_items(path: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["items"]


def evaluate(rules: MediaRules, data_dir: Path) -> QualityReport:
    suppliers = load_suppliers(data_dir / "suppliers.yaml")
    known = {s.supplier_id for s in suppliers}
    matcher = rules.build_matcher(suppliers)
    by_class: dict[str, ClassFigures] = defaultdict(ClassFigures)
    results = []
    for item in load_items(data_dir / "articles.yaml"):
        expected: dict[str, bool] = item["expect"] or {}
        unknown = set(expected) - known
        if unknown:
            raise ValueError(f"item {item['id']}: expects unknown supplier(s) {sorted(unknown)}")
        text = article_text(item["title"], item.get("summary", ""))
        scored = score_article_by_supplier(text, matcher.find(text), rules)
        risks = {str(sid): r.risk for sid, r in scored.items()}
        result = ItemResult(item["id"], item["class"], expected, risks)
        figures = by_class[item["class"]]
        for sid, risky in expected.items():
            given = risks.get(sid, 0.0) > 0
            if risky:
                figures.risky += 1
                figures.found += given
                if not given:
                    result.problems.append(f"missed risk for {sid}")
            else:
                figures.clean += 1
                figures.false_risk += given
                if given:
                    result.problems.append(f"false risk {risks[sid]:.2f} for {sid}")
        if not expected:
            figures.clean += 1
            figures.false_risk += any(r > 0 for r in risks.values())
        for sid, risk in risks.items():
            if risk > 0:
                figures.flagged += 1
                figures._false_flags += not expected.get(sid, False)
            if sid not in expected:
                figures.wrong_supplier += 1
                result.problems.append(f"wrong supplier {sid} (risk {risk:.2f})")
        results.append(result)
    return QualityReport(dict(sorted(by_class.items())), results)
