"""Benchmark: media matching quality on the labelled evaluation set in tests/data/media/.

Prints, per class of article (authority criticism, contracts ended, clearing outcomes, the
supplier as victim, praise, common-word names, several suppliers, neutral mentions),
precision, recall of risky items, false-risk rate on items that should carry no risk, and
wrong-supplier matches, then every item that went wrong. Exit status 1 when a floor is not
met (recall >= 0.95, false-risk rate <= 2 %, no wrong supplier).

    python benchmarks/media_quality.py
    python benchmarks/media_quality.py --rules rules --data tests/data/media
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Measure the checkout this script lives in, not whatever copy of `monitor` is installed.
sys.path.insert(0, str(PROJECT_DIR))

from monitor.media.evaluation import ClassFigures, evaluate  # noqa: E402
from monitor.media.keywords import load_media_rules  # noqa: E402

MIN_RECALL = 0.95
MAX_FALSE_RISK_RATE = 0.02


def _pct(value: float | None) -> str:
    return "   –  " if value is None else f"{value:6.1%}"


def _row(name: str, f: ClassFigures) -> str:
    return (f"{name:<13} {f.risky:>5} {f.clean:>5}  {_pct(f.precision)}  {_pct(f.recall)}  "
            f"{_pct(f.false_risk_rate)}  {f.wrong_supplier:>5}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=PROJECT_DIR / "rules")
    parser.add_argument("--data", type=Path, default=PROJECT_DIR / "tests" / "data" / "media")
    args = parser.parse_args()
    report = evaluate(load_media_rules(args.rules), args.data)
    print(f"{len(report.items)} articles, {args.data}")
    print(f"{'class':<13} {'risky':>5} {'clean':>5}  {'precis':>6}  {'recall':>6}  {'false':>6}  {'wrong':>5}")
    for name, figures in report.by_class.items():
        print(_row(name, figures))
    total = report.total
    print(_row("all", total))
    for item in report.items:
        for problem in item.problems:
            print(f"  {item.id} ({item.cls}): {problem}")
    ok = ((total.recall or 0) >= MIN_RECALL and (total.false_risk_rate or 0) <= MAX_FALSE_RISK_RATE
          and total.wrong_supplier == 0)
    print("floors met" if ok else "FLOORS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
