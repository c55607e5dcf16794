"""Evaluation: how well the risk ranking finds the demo's planted schemes, and what each part adds.

For each seed the demo municipality (monitor.demo) is generated, imported into a fresh SQLite
database, scored and ranked by the `monitor` command line as a user runs it (`monitor --db URL
demo ...`, then `monitor rank --format json`). The planted schemes (DemoDataset.planted) are the
positives and every other supplier a negative; the honest look-alikes (DemoDataset.look_alikes:
the largest supplier, a night patrol with many short night visits, a rural supplier with long
drives, a week-long lock outage, double staffing, a relative employed openly) are also judged
on their own. Three rankings of the same run:

* combined: the score `monitor rank` shows (rule points + outlier points + media);
* rules alone: a supplier's points from reasons with source "rule";
* outliers alone: its points from the reason with source "outlier".

For each: average precision (sklearn.metrics.average_precision_score) and precision@k, k = the
number of planted suppliers. Ties are broken against the planted suppliers (one tied with a
negative ranks below it), so both figures are lower bounds and a part that scores nobody gets
the share of positives, not luck.

The register and billing schemes (monitor.demo.registers: a lapsed F-tax registration with a
churning board, hours billed beyond the registered ones, spend outside contract) each must get
an alert, and no register or billing rule may give an honest supplier a reason (their
look-alikes: a name change, a single board change, an invoice corrected by a credit note).

Aims, in every seed: AP of the combined ranking >= 0.95; every planted supplier above every
honest one (look-alikes and the untidy ordinary suppliers of monitor.demo.noise included); every
planted supplier with an alert (`monitor alerts list`, opened at `alerts.threshold` in
rules/scoring.yaml) and at most 10 % of the honest ones; the door-observation case, the
strongest evidence the municipality has, in the top 3; the scheme no rule is written for
(UNCOVERED_SCHEMES) above every honest supplier in the combined ranking and in the top 10 % of
the outliers-alone ranking of the honest suppliers and itself (the thirteen other planted
schemes are outliers too, so among all suppliers it is shown for information). Then, per seed,
the same municipality with only the uncovered scheme planted (`monitor demo --schemes
identity_churn`): it must rank in the top 10 % of the combined ranking. Exit status 1 if an aim
is missed.

Per seed it prints the AP and precision@k, how many planted and honest suppliers get an alert,
the place of the door-observation case and of every planted scheme, and a summary line over the
seeds: the figures the alert threshold is calibrated by (docs/scoring.md).

    python benchmarks/detection.py                        # seeds 2026-2030, scale 1, 4 weeks (about 80 s)
    python benchmarks/detection.py --seeds 7 --scale 0.5  # one quick seed
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
# Evaluate the checkout this script lives in, not whatever copy of `monitor` is installed.
sys.path.insert(0, str(PROJECT_DIR))
sys.path.insert(1, str(BENCH_DIR))

from import_visits import describe_checkout, fingerprint  # noqa: E402  (after the path set-up above)
from sklearn.metrics import average_precision_score  # noqa: E402

from monitor.demo import UNCOVERED_SCHEMES, DemoDataset, generate_municipality  # noqa: E402
from monitor.demo.registers import REGISTER_SCHEMES  # noqa: E402
from monitor.findings.detectors import REGISTER_KINDS  # noqa: E402
from monitor.findings.rules import load_rules  # noqa: E402

RULES_DIR = PROJECT_DIR / "rules"
DEFAULT_SEEDS = (2026, 2027, 2028, 2029, 2030)
# The demo's full size: 43 suppliers, about 80,000 visits in four weeks that include the autumn clock change.
DEFAULT_SCALE, DEFAULT_WEEKS = 1.0, 4
AIM_AP, AIM_TOP_SHARE = 0.95, 0.10
# At most this share of the honest suppliers may get an alert; the door-observation case in this top.
AIM_HONEST_ALERT_SHARE, AIM_DOOR_PLACE = 0.10, 3
DOOR_SCHEME = "door_observation"
RANKINGS = ("combined", "rules", "outliers")


@dataclass
class Judged:
    """One ranking of one seed against the planted truth."""

    order: list[str]  # org numbers, highest risk first (ties against the planted)
    ap: float
    precision_at_k: float
    look_alike_violations: list[tuple[str, str]]  # (planted, look-alike) pairs not strictly in that order
    uncovered_rank: dict[str, int]  # uncovered scheme -> 1-based place among all suppliers
    uncovered_vs_honest: dict[str, int]  # uncovered scheme -> 1-based place among the negatives and itself


@dataclass
class SeedResult:
    seed: int
    dataset: DemoDataset
    rows: dict[str, dict[str, Any]]  # org number -> `monitor rank --format json` row
    points: dict[str, dict[str, float]]  # ranking name -> org number -> score or points
    visits: int
    seconds: float
    alerted: set[str] = field(default_factory=set)  # org numbers with an alert after the demo's scoring run
    judged: dict[str, Judged] = field(default_factory=dict)


# --------------------------------------------------------------------------- running the demo


def monitor_cli(*args: str, cwd: Path, rules_dir: Path) -> str:
    """Run the `monitor` command line of this checkout; its stdout, or RuntimeError naming the command."""
    env = {**os.environ, "MONITOR_RULES_DIR": str(rules_dir), "PYTHONPATH": str(PROJECT_DIR)}
    command = [sys.executable, "-c", "from monitor.cli import app; app()", *args]
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"monitor {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def run_seed(
    seed: int, scale: float, weeks: int, workdir: Path, rules_dir: Path, schemes: tuple[str, ...] | None = None
) -> SeedResult:
    directory = workdir / (f"seed{seed}" if schemes is None else f"seed{seed}-only-{'-'.join(schemes)}")
    db_path = directory / "monitor.db"
    url = f"sqlite:///{db_path}"
    started = time.perf_counter()
    only = () if schemes is None else ("--schemes", ",".join(schemes))
    monitor_cli("--db", url, "demo", "--dir", str(directory), "--seed", str(seed), "--scale", str(scale),
                "--weeks", str(weeks), *only, cwd=workdir, rules_dir=rules_dir)
    ranking = json.loads(monitor_cli("--db", url, "rank", "--format", "json", cwd=workdir, rules_dir=rules_dir))
    alerts = json.loads(monitor_cli("--db", url, "alerts", "list", "--format", "json", cwd=workdir,
                                    rules_dir=rules_dir))
    seconds = time.perf_counter() - started
    # The same arguments give the same files: regenerate them here to learn what was planted where.
    dataset = generate_municipality(directory / "truth", seed=seed, weeks=weeks, scale=scale, schemes=schemes)
    imported = directory / "data" / "visits.csv"
    if _sha256(imported) != _sha256(dataset.files["visits"]):
        raise RuntimeError(f"seed {seed}: the regenerated demo differs from the imported one ({imported})")
    with dataset.files["visits"].open(encoding="utf-8") as f:
        visits = sum(1 for _ in f) - 1
    rows = {r["org_number"]: r for r in ranking}
    return SeedResult(seed, dataset, rows, _points(rows, db_path), visits, seconds,
                      {a["org_number"] for a in alerts})


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _points(rows: dict[str, dict[str, Any]], db_path: Path) -> dict[str, dict[str, float]]:
    """Each ranking's number per supplier: the score, and the rule and outlier points.

    From the ranking's `components` when it has them, else from its reasons' points; if the JSON
    carries neither, from the reasons stored with the latest scoring run.
    """
    points: dict[str, dict[str, float]] = {name: {} for name in RANKINGS}
    stored = None
    if not all("components" in r or all("points" in x for x in r["reasons"]) for r in rows.values()):
        stored = _stored_reasons(db_path)
    for org, row in rows.items():
        points["combined"][org] = float(row["score"])
        components = row.get("components")
        if stored is None and components:
            points["rules"][org] = float(components.get("rules", 0.0))
            points["outliers"][org] = float(components.get("outlier", 0.0))
            continue
        reasons = stored[org] if stored is not None else row["reasons"]
        points["rules"][org] = sum(float(x.get("points", 0.0)) for x in reasons if x["source"] == "rule")
        points["outliers"][org] = sum(float(x.get("points", 0.0)) for x in reasons if x["source"] == "outlier")
    return points


def _stored_reasons(db_path: Path) -> dict[str, list[dict[str, Any]]]:
    with sqlite3.connect(db_path) as conn:
        (run_id,) = conn.execute("select max(id) from scoring_runs where finished_at is not null").fetchone()
        query = ("select s.org_number, ss.reasons from supplier_scores ss join suppliers s on s.id = ss.supplier_id"
                 " where ss.run_id = ?")
        return {org: json.loads(reasons) for org, reasons in conn.execute(query, (run_id,))}


# --------------------------------------------------------------------------- judging


def judge(scores: dict[str, float], dataset: DemoDataset) -> Judged:
    planted = dataset.planted
    order = sorted(scores, key=lambda org: (-scores[org], org in planted, org))
    labels = [int(org in planted) for org in order]
    strict = [len(order) - i for i in range(len(order))]  # the order above as strictly falling scores
    k = len(planted)
    violations = [
        (p, lk) for p in planted for lk in dataset.look_alikes if p in scores and scores[p] <= scores.get(lk, 0.0)
    ]
    place = {org: i for i, org in enumerate(order, start=1)}
    uncovered = {scheme: org for org, scheme in planted.items() if scheme in UNCOVERED_SCHEMES}
    return Judged(
        order, float(average_precision_score(labels, strict)), sum(labels[:k]) / k, violations,
        {scheme: place[org] for scheme, org in uncovered.items()},
        {scheme: 1 + sum(1 for o in scores if o not in planted and scores[o] >= scores[org])
         for scheme, org in uncovered.items()},
    )


def _above_every_honest(result: SeedResult, org: str) -> list[str]:
    """Honest suppliers at or above `org` in the combined ranking."""
    scores = result.points["combined"]
    return [o for o in scores if o not in result.dataset.planted and scores[o] >= scores[org]]


# --------------------------------------------------------------------------- report


def _label(result: SeedResult, org: str) -> str:
    row = result.rows[org]
    role = result.dataset.planted.get(org) or result.dataset.look_alikes.get(org) or "honest"
    return f"{row['name']} ({role}, score {row['score']:g})"


def _reasons(result: SeedResult, org: str) -> str:
    reasons = result.rows[org]["reasons"]
    if not reasons:
        return "no reasons"
    return "; ".join(
        f"{x['source']} {x['id']}" + (f" {x['points']:g} p" if "points" in x else "") + f": {x.get('detail', '')}"
        for x in reasons[:3]
    )


def print_table(results: list[SeedResult]) -> None:
    print(f"\n{'seed':>6} {'suppl':>5} {'plant':>5} {'visits':>7}   {'AP comb':>7} {'rules':>6} {'outl':>6}"
          f"   {'P@k comb':>8} {'rules':>6} {'outl':>6}   {'look-alike':>10}   {'uncovered: outl':>15}"
          f" {'vs honest':>9} {'comb':>5}   {'seconds':>7}")
    print(f"{'':>6} {'':>5} {'':>5} {'':>7}   {'':>7} {'':>6} {'':>6}   {'':>8} {'':>6} {'':>6}   {'violations':>10}")
    for r in results:
        j = r.judged
        negatives = len(r.rows) - len(r.dataset.planted)
        for scheme in UNCOVERED_SCHEMES:
            places = (f"{j['outliers'].uncovered_rank[scheme]:>8}/{len(r.rows):<6} "
                      f"{j['outliers'].uncovered_vs_honest[scheme]:>4}/{negatives + 1:<4} "
                      f"{j['combined'].uncovered_rank[scheme]:>5}")
        print(f"{r.seed:>6} {len(r.rows):>5} {len(r.dataset.planted):>5} {r.visits:>7,}   "
              f"{j['combined'].ap:>7.3f} {j['rules'].ap:>6.3f} {j['outliers'].ap:>6.3f}   "
              f"{j['combined'].precision_at_k:>8.3f} {j['rules'].precision_at_k:>6.3f} "
              f"{j['outliers'].precision_at_k:>6.3f}   {len(j['combined'].look_alike_violations):>10}   "
              f"{places}   {r.seconds:>7.1f}")

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    aps = " ".join(f"{mean([r.judged[n].ap for r in results]):>{w}.3f}" for n, w in zip(RANKINGS, (7, 6, 6),
                                                                                       strict=True))
    pks = " ".join(f"{mean([r.judged[n].precision_at_k for r in results]):>{w}.3f}"
                   for n, w in zip(RANKINGS, (8, 6, 6), strict=True))
    violations = mean([len(r.judged["combined"].look_alike_violations) for r in results])
    print(f"{'mean':>6} {'':>5} {'':>5} {'':>7}   {aps}   {pks}   {violations:>10.1f}")
    print(f"\nk = planted suppliers. uncovered: where {', '.join(UNCOVERED_SCHEMES)} ranks in the outliers-alone "
          "ranking (of all suppliers; of the honest ones and itself) and in the combined one.")


def _places(result: SeedResult) -> dict[str, int]:
    """Each planted scheme's 1-based place in the combined ranking (ties against the planted)."""
    order = result.judged["combined"].order
    return {scheme: order.index(org) + 1 for org, scheme in result.dataset.planted.items()}


def _honest(result: SeedResult) -> list[str]:
    return [o for o in result.rows if o not in result.dataset.planted]


def print_alerts(results: list[SeedResult]) -> None:
    """Per seed: AP, precision@k, who gets an alert (rules/scoring.yaml alerts.threshold), the place
    of the door-observation case and of every planted scheme; then one line over the seeds."""
    print("\nAlerts (score >= alerts.threshold) and the place of each planted scheme in the combined ranking:")
    print(f"{'seed':>6} {'AP':>6} {'P@k':>6} {'planted with alert':>18} {'honest with alert':>18} "
          f"{'door observation':>16}   places")
    for r in results:
        planted = r.dataset.planted
        honest = _honest(r)
        honest_alerted = [o for o in honest if o in r.alerted]
        places = _places(r)
        door = places.get(DOOR_SCHEME)
        print(f"{r.seed:>6} {r.judged['combined'].ap:>6.3f} {r.judged['combined'].precision_at_k:>6.3f} "
              f"{sum(o in r.alerted for o in planted):>10}/{len(planted):<7} "
              f"{len(honest_alerted):>7}/{len(honest):<3} ({len(honest_alerted) / max(len(honest), 1):>4.0%}) "
              f"{door if door is not None else '-':>16}   "
              + ", ".join(f"{scheme} {place}" for scheme, place in sorted(places.items(), key=lambda x: x[1])))
        if honest_alerted:
            print(f"{'':>6} honest with an alert: " + "; ".join(f"{_label(r, o)} [{_reasons(r, o)}]"
                                                              for o in honest_alerted))
    print(summary_line(results))


def summary_line(results: list[SeedResult]) -> str:
    """The seeds in one line: AP (mean, lowest), precision@k, alerts, the door case's worst place."""
    aps = [r.judged["combined"].ap for r in results]
    pks = [r.judged["combined"].precision_at_k for r in results]
    planted = sum(len(r.dataset.planted) for r in results)
    planted_alerted = sum(sum(o in r.alerted for o in r.dataset.planted) for r in results)
    honest_shares = [sum(o in r.alerted for o in _honest(r)) / max(len(_honest(r)), 1) for r in results]
    doors = [_places(r)[DOOR_SCHEME] for r in results if DOOR_SCHEME in _places(r)]
    missed = sorted({s for r in results for o, s in r.dataset.planted.items() if o not in r.alerted})
    # The gap the alert threshold has to fall in: the highest honest and the lowest planted score.
    honest_top = max(r.rows[o]["score"] for r in results for o in _honest(r))
    planted_low = min(r.rows[o]["score"] for r in results for o in r.dataset.planted)
    return (f"{'all':>6} AP mean {sum(aps) / len(aps):.3f} (lowest {min(aps):.3f}); P@k mean "
            f"{sum(pks) / len(pks):.3f}; planted with alert {planted_alerted}/{planted}"
            + (f" (without: {', '.join(missed)})" if missed else "")
            + f"; honest with alert at most {max(honest_shares):.0%} in a seed; door observation placed "
            + (f"{min(doors)}-{max(doors)}" if doors else "-")
            + f"; highest honest score {honest_top:g}, lowest planted {planted_low:g}")


def print_verdicts(results: list[SeedResult]) -> bool:
    """Each aim per seed, with what breaks it; True if every aim is met in every seed."""
    print("\nAims, in every seed:")
    ok = True

    def verdict(name: str, misses: list[str]) -> None:
        nonlocal ok
        ok &= not misses
        print(f"  {name}: {'met' if not misses else 'MISSED'}")
        for miss in misses:
            print(f"    - {miss}")

    verdict(f"AP of the combined ranking >= {AIM_AP:g}", [
        f"seed {r.seed}: AP {r.judged['combined'].ap:.3f}; negatives in the top {len(r.dataset.planted)}: "
        + ", ".join(f"{_label(r, o)} [{_reasons(r, o)}]" for o in r.judged["combined"].order[:len(r.dataset.planted)]
                    if o not in r.dataset.planted)
        for r in results if r.judged["combined"].ap < AIM_AP
    ])
    verdict("every planted supplier above every honest look-alike (combined)", [
        f"seed {r.seed}: {_label(r, p)} [{_reasons(r, p)}] is not above {_label(r, lk)} [{_reasons(r, lk)}]"
        for r in results for p, lk in r.judged["combined"].look_alike_violations
    ])
    verdict("every planted supplier above every honest one (combined)", [
        f"seed {r.seed}: {_label(r, p)} [{_reasons(r, p)}] is not above {_label(r, h)} [{_reasons(r, h)}]"
        for r in results for p in r.dataset.planted for h in _honest(r)
        if r.points["combined"][p] <= r.points["combined"][h] and h not in r.dataset.look_alikes
    ])
    verdict("every planted supplier gets an alert", [
        f"seed {r.seed}: {_label(r, o)} [{_reasons(r, o)}] has no alert"
        for r in results for o in r.dataset.planted if o not in r.alerted
    ])
    verdict(f"at most {AIM_HONEST_ALERT_SHARE:.0%} of the honest suppliers get an alert", [
        f"seed {r.seed}: {len(alerted)} of {len(_honest(r))}: "
        + ", ".join(f"{_label(r, o)} [{_reasons(r, o)}]" for o in alerted)
        for r in results
        for alerted in [[o for o in _honest(r) if o in r.alerted]]
        if len(alerted) > AIM_HONEST_ALERT_SHARE * len(_honest(r))
    ])
    verdict(f"the door-observation case in the top {AIM_DOOR_PLACE}", [
        f"seed {r.seed}: placed {_places(r)[DOOR_SCHEME]}; above it: "
        + ", ".join(_label(r, o) for o in r.judged["combined"].order[:_places(r)[DOOR_SCHEME] - 1])
        for r in results if DOOR_SCHEME in _places(r) and _places(r)[DOOR_SCHEME] > AIM_DOOR_PLACE
    ])
    top_all, top_honest, above_honest = [], [], []
    for r in results:
        n, negatives = len(r.rows), len(r.rows) - len(r.dataset.planted)
        outliers = r.points["outliers"]
        for org, scheme in r.dataset.planted.items():
            if scheme not in UNCOVERED_SCHEMES:
                continue
            place = r.judged["outliers"].uncovered_rank[scheme]
            if place > AIM_TOP_SHARE * n:
                top_all.append(
                    f"seed {r.seed}: {scheme} is {place} of {n} ({outliers[org]:g} points: {_reasons(r, org)}); "
                    "above it: " + ", ".join(f"{_label(r, o)} {outliers[o]:g} p"
                                             for o in r.judged["outliers"].order[:place - 1]))
            place = r.judged["outliers"].uncovered_vs_honest[scheme]
            if place > AIM_TOP_SHARE * (negatives + 1):
                honest = [o for o in r.judged["outliers"].order if o not in r.dataset.planted][:place - 1]
                top_honest.append(
                    f"seed {r.seed}: {scheme} is {place} of {negatives + 1} ({outliers[org]:g} points); above it: "
                    + ", ".join(f"{_label(r, o)} {outliers[o]:g} p [{_reasons(r, o)}]" for o in honest))
            honest = _above_every_honest(r, org)
            if honest:
                above_honest.append(
                    f"seed {r.seed}: {_label(r, org)} [{_reasons(r, org)}] is not above "
                    + ", ".join(f"{_label(r, o)} [{_reasons(r, o)}]" for o in honest[:5]))
    # Not an aim: with thirteen other planted schemes among 43 suppliers, which are outliers too,
    # 10 % (4 places) cannot all go to the uncovered one. The isolated run below judges that.
    print(f"  (information) the uncovered scheme in the top {AIM_TOP_SHARE:.0%} of the outliers-alone ranking "
          f"of all suppliers, other schemes included: {'yes' if not top_all else 'no'}")
    for miss in top_all:
        print(f"    - {miss}")
    verdict(f"the uncovered scheme in the top {AIM_TOP_SHARE:.0%} of the outliers-alone ranking, of the honest "
            "suppliers and itself", top_honest)
    verdict("the uncovered scheme above every honest supplier (combined)", above_honest)
    return ok


def print_isolated(isolated: list[SeedResult]) -> bool:
    """The municipality with only the uncovered scheme planted: does it reach the top 10 % (combined)?"""
    misses = []
    print(f"\nOnly {', '.join(UNCOVERED_SCHEMES)} planted (every other scheme supplier runs honestly):")
    for r in isolated:
        n = len(r.rows)
        order = sorted(r.rows, key=lambda o: (-r.rows[o]["score"], o not in r.dataset.planted, o))
        for org, scheme in r.dataset.planted.items():
            place = order.index(org) + 1
            met = place <= AIM_TOP_SHARE * n
            print(f"  seed {r.seed}: {scheme} ranks {place} of {n} with risk {r.rows[org]['score']:g} "
                  f"[{_reasons(r, org)}]; next: {_label(r, order[1] if place == 1 else order[0])} "
                  f"{r.rows[order[1] if place == 1 else order[0]]['score']:g}")
            if not met:
                misses.append(f"seed {r.seed}: {scheme} is {place} of {n}")
    print(f"  the uncovered scheme in the top {AIM_TOP_SHARE:.0%} of the combined ranking: "
          f"{'met' if not misses else 'MISSED'}")
    for miss in misses:
        print(f"    - {miss}")
    return not misses


def register_rule_ids(rules_dir: Path) -> set[str]:
    """The rules over register snapshots and invoices."""
    return {rule.id for rule in load_rules(rules_dir) if rule.kind in REGISTER_KINDS}


def print_register_verdicts(results: list[SeedResult], rules_dir: Path) -> bool:
    """The register and billing schemes (monitor.demo.registers): each gets an alert, and no register
    or billing rule gives an honest supplier (the name change, single board change and credit note
    among them) a reason."""
    rule_ids = register_rule_ids(rules_dir)
    misses, flagged = [], []
    print(f"\nRegister and billing schemes ({', '.join(REGISTER_SCHEMES)}):")
    for r in results:
        for org, scheme in sorted(r.dataset.planted.items(), key=lambda x: x[1]):
            if scheme not in REGISTER_SCHEMES:
                continue
            alerted = org in r.alerted
            print(f"  seed {r.seed}: {_label(r, org)} alert {'yes' if alerted else 'NO'} [{_reasons(r, org)}]")
            if not alerted:
                misses.append(f"seed {r.seed}: {_label(r, org)}")
        for org, row in r.rows.items():
            hits = [x["id"] for x in row["reasons"] if x["source"] == "rule" and x["id"] in rule_ids]
            if org not in r.dataset.planted and hits:
                role = r.dataset.register_look_alikes.get(org, "")
                flagged.append(f"seed {r.seed}: {_label(r, org)} {role} by {', '.join(hits)}")
    print(f"  every register and billing scheme gets an alert: {'met' if not misses else 'MISSED'}")
    for miss in misses:
        print(f"    - {miss}")
    print(f"  no register or billing rule flags an honest supplier or look-alike: {'met' if not flagged else 'MISSED'}")
    for miss in flagged:
        print(f"    - {miss}")
    return not misses and not flagged


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(DEFAULT_SEEDS),
                        help=f"demo seeds to evaluate (default {' '.join(map(str, DEFAULT_SEEDS))})")
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE,
                        help=f"demo size factor (default {DEFAULT_SCALE:g}: 43 suppliers, ~80,000 visits in 4 weeks)")
    parser.add_argument("--weeks", type=int, default=DEFAULT_WEEKS, help=f"weeks of visits (default {DEFAULT_WEEKS})")
    parser.add_argument("--rules", type=Path, default=RULES_DIR,
                        help="rules directory to evaluate (default: this checkout's rules/), to try a change")
    parser.add_argument("--keep", action="store_true", help="keep the demo directories (printed) after the run")
    return parser.parse_args(argv)


def measured_sources(rules_dir: Path) -> list[Path]:
    """What the evaluation depends on: the demo, the rule engine, the ranking and the rules."""
    monitor = PROJECT_DIR / "monitor"
    return sorted([*(monitor / "demo").glob("*.py"), *(monitor / "findings").rglob("*.py"),
                   *(monitor / "ranking").glob("*.py"), monitor / "scoring.py", *rules_dir.glob("*.yaml")])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rules_dir = args.rules.resolve()
    sources = measured_sources(rules_dir)
    before = fingerprint(sources)
    print(f"Evaluating the ranking at {describe_checkout(sources)} (sources {before}); "
          f"seeds {' '.join(map(str, args.seeds))}, scale {args.scale:g}, {args.weeks} weeks"
          + ("" if rules_dir == RULES_DIR else f", rules from {rules_dir}"), flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="monitor-detection-"))
    results = []
    started = time.perf_counter()
    for seed in args.seeds:
        result = run_seed(seed, args.scale, args.weeks, workdir, rules_dir)
        result.judged = {name: judge(result.points[name], result.dataset) for name in RANKINGS}
        results.append(result)
        print(f"  seed {seed}: {len(result.rows)} suppliers, {result.visits:,} visits, {result.seconds:.1f} s",
              flush=True)
    isolated = []
    for seed in args.seeds:
        result = run_seed(seed, args.scale, args.weeks, workdir, rules_dir, schemes=tuple(UNCOVERED_SCHEMES))
        isolated.append(result)
        print(f"  seed {seed}, only {', '.join(UNCOVERED_SCHEMES)} planted: {result.seconds:.1f} s", flush=True)
    print_table(results)
    print_alerts(results)
    ok = print_verdicts(results)
    ok &= print_isolated(isolated)
    ok &= print_register_verdicts(results, rules_dir)
    print(f"\n{len(results)} seeds in {time.perf_counter() - started:.0f} s; look-alikes: "
          + ", ".join(sorted(set(results[0].dataset.look_alikes.values()))))
    if args.keep:
        print(f"Demo directories kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    if fingerprint(sources) != before:
        print(f"WARNING: the evaluated code changed during the run (sources {before} -> {fingerprint(sources)}); "
              "these numbers may mix two versions of it.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
