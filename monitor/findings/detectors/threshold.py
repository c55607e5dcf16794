"""threshold: one supplier metric compared with a value, per supplier and period.

For what no dedicated detector covers: the analyst picks a metric from
monitor.findings.metrics.METRICS (`metric`), a comparison (`op`) and a `value`, and every
supplier-period with at least `min_visits` visits where the comparison holds is a finding.
Shares are written as fractions (0.3 for 30 %) and shown as percentages.

Strength is how far past the threshold the metric is, as a ratio (metric / value for > and
>=, value / metric for < and <=), at least 1 and at most 10, so that a threshold at 0 does
not make one finding outweigh every other rule.

Evidence: for share metrics, the matching visits (e.g. the night visits) and their staff,
capped like every detector's; for distributions and averages (a median, visits per staff-day)
no single visit is evidence, and the lists are empty. Each metric words its finding with its
own message key, `threshold:<metric>`, so the label needs no text argument.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import evidence_ids
from monitor.findings.evidence import RuleContext
from monitor.findings.metrics import METRICS, Metric, supplier_period_metrics, visit_flags
from monitor.findings.periods import period_bounds, period_keys

KIND = "threshold"
PERIOD = "week"
MAX_STRENGTH = 10.0
Op = Literal[">", ">=", "<", "<="]
_OPS: dict[str, Callable[[object, object], object]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}
_UNITS = {"share": " %", "minutes": " min", "hours": " h"}


def _messages(language: str) -> dict[str, str]:
    """Per metric: `max_value` and `threshold` in the metric's display unit, `op`, `visits`.
    `max_value` is named so that a summary of several periods shows the largest."""
    many_word = {"sv": "upp till", "en": "up to"}[language]
    periods = {"sv": "under {findings} perioder", "en": "in {findings} periods"}[language]
    visits_word = {"sv": "besök", "en": "visits"}[language]
    limit = {"sv": "gräns", "en": "threshold"}[language]
    out = {
        KIND: f"{{max_value}} ({limit} {{op}} {{threshold}}), {{visits}} {visits_word}",
        f"{KIND}:many": f"{many_word} {{max_value}} ({limit} {{op}} {{threshold}}) {periods}, "
                        f"{{visits}} {visits_word}",
    }
    for name, metric in METRICS.items():
        label, unit = getattr(metric, language), _UNITS.get(metric.unit, "")
        out[f"{KIND}:{name}"] = (
            f"{label}: {{max_value}}{unit} ({limit} {{op}} {{threshold}}{unit}), {{visits}} {visits_word}"
        )
        out[f"{KIND}:{name}:many"] = (
            f"{label}: {many_word} {{max_value}}{unit} ({limit} {{op}} {{threshold}}{unit}) "
            f"{periods}, {{visits}} {visits_word}"
        )
    return out


MESSAGES = {"sv": _messages("sv"), "en": _messages("en")}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    metric: str = Field(description="Which metric to compare: one of the metrics listed above.")
    op: Op = Field(">=", description="Comparison: >, >=, < or <= (metric op value).")
    value: float = Field(description="The threshold, in the metric's unit; shares as fractions (0.3 for 30 %).")
    min_visits: int = Field(30, ge=1, description="Supplier-periods with fewer visits are not judged (min support).")

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, name: str) -> str:
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}; valid metrics: {', '.join(METRICS)}")
        return name


def _display(value: float, metric: Metric) -> float:
    return round(100 * value, 1) if metric.unit == "share" else round(value, 2)


def _strength(measured: float, params: Params) -> float:
    over, under = (measured, params.value) if params.op in (">", ">=") else (params.value, measured)
    if under <= 0:
        return MAX_STRENGTH if over > 0 else 1.0
    return float(min(MAX_STRENGTH, max(1.0, over / under)))


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    metric = METRICS[params.metric]
    visits = ctx.visits()
    # Only load what this metric needs: other rules may never touch these frames.
    staff = ctx.evidence.staff if params.metric == "relative_visit_share" else None
    events = ctx.evidence.client_events if params.metric == "absent_client_visit_share" else None
    table = supplier_period_metrics(visits, ctx.period, staff, events)
    measured = table[params.metric]
    hit = measured.notna() & (table["visits"] >= params.min_visits) & _OPS[params.op](measured, params.value)
    flagged = table[hit.to_numpy(dtype=bool)]
    if flagged.empty:
        return []
    matching = _matching_visits(visits, metric, ctx, staff, events, flagged.index)
    drafts = []
    for (supplier_id, key), row in flagged.iterrows():
        start, end = period_bounds(key, ctx.period)
        group = matching.get((supplier_id, key))
        drafts.append(
            FindingDraft(
                supplier_id=int(supplier_id),
                period_start=start,
                period_end=end,
                strength=_strength(float(row[params.metric]), params),
                detail={
                    "key": f"{KIND}:{params.metric}",
                    "args": {
                        "max_value": _display(float(row[params.metric]), metric),
                        "op": params.op,
                        "threshold": _display(params.value, metric),
                        "visits": int(row["visits"]),
                    },
                },
                evidence={
                    "visit_ids": evidence_ids(group["visit_id"]) if group is not None else [],
                    "staff_ids": evidence_ids(group["staff_id"]) if group is not None else [],
                },
            )
        )
    return drafts


def _matching_visits(
    visits: pd.DataFrame,
    metric: Metric,
    ctx: RuleContext,
    staff: pd.DataFrame | None,
    events: pd.DataFrame | None,
    flagged: pd.Index,
) -> dict[tuple[int, int], pd.DataFrame]:
    """The visits behind a share metric in each flagged supplier-period; none for other metrics."""
    if metric.flag is None:
        return {}
    wanted = visits["supplier_id"].isin(flagged.get_level_values("supplier_id").unique()).to_numpy()
    subset = visits[wanted]
    flag = visit_flags(subset, staff, events)[metric.flag].to_numpy()
    keys = period_keys(subset["registered_start"].to_numpy(dtype="float64"), ctx.period)
    subset = subset.assign(period_key=keys)[flag == 1.0]
    wanted_keys = set(flagged.tolist())
    groups = {(int(s), int(k)): g for (s, k), g in subset.groupby(["supplier_id", "period_key"], sort=False)}
    return {key: group for key, group in groups.items() if key in wanted_keys}


# The reference (docs/rules.md) is made from this docstring: list every metric there.
__doc__ = (__doc__ or "") + "\nMetrics (`metric:`), per supplier and period:\n\n" + "\n".join(
    f"- `{name}` ({metric.unit}): {metric.description}" for name, metric in METRICS.items()
) + "\n"
