"""threshold: one supplier metric compared with a value, per supplier and period.

For what no dedicated detector covers: the analyst picks a metric from
monitor.findings.metrics.METRICS (`metric`), a comparison (`op`) and a `value`, and every
supplier-period where the comparison holds is a finding. Shares are written as fractions
(0.3 for 30 %) and shown as percentages.

Min support counts the visits the metric is computed over, not all visits: for a share the
visits that can be judged (with planned times for exact_planned_share, with `recorded_at`
for late_registration_share, of a supplier with a staff list for relative_visit_share), for
the duration ratios the visits planned at least a minute, for the rest every visit. A
supplier-period needs `min_visits` of them, and the finding shows that number ("40 besök").

Strength is how far past the threshold the metric is, as a ratio, at least 1 and at most 10
so that a threshold near 0 does not make one finding outweigh every other rule. For > and >=
it is metric / value. For < and <= it is value / metric, where a share below one visit in
its support counts as one visit (0 of 40 is as strong as 1 of 40: value / (1/40)); any other
metric at 0 gets the maximum, 10.

Evidence: for share metrics with > or >=, the matching visits (e.g. the night visits) and
their staff, capped like every detector's. With < or <= the finding is about the visits that
are missing, so no visit stands for it and the lists are empty, as they are for distributions
and averages (a median, visits per staff-day). Each metric words its finding with its own
message key, `threshold:<metric>`, so the label needs no text argument.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from monitor.findings.detectors import FindingDraft
from monitor.findings.drafts import evidence_ids
from monitor.findings.evidence import RuleContext
from monitor.findings.metrics import METRICS, Metric, supplier_period_metrics_and_support, visit_flags
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
    """Per metric: `max_value` and `threshold` in the metric's display unit, `op`, `visits` (the
    visits the metric is computed over). `max_value` is named so that a summary of several
    periods shows the largest."""
    many_word = {"sv": "upp till", "en": "up to"}[language]
    periods = {"sv": "under {findings:period|perioder}", "en": "in {findings:period|periods}"}[language]
    visits = {"sv": "{visits:besök|besök}", "en": "{visits:visit|visits}"}[language]
    limit = {"sv": "gräns", "en": "threshold"}[language]
    out = {
        KIND: f"{{max_value}} ({limit} {{op}} {{threshold}}), {visits}",
        f"{KIND}:many": f"{many_word} {{max_value}} ({limit} {{op}} {{threshold}}) {periods}, "
                        f"{visits}",
    }
    for name, metric in METRICS.items():
        label, unit = getattr(metric, language), _UNITS.get(metric.unit, "")
        out[f"{KIND}:{name}"] = (
            f"{label}: {{max_value}}{unit} ({limit} {{op}} {{threshold}}{unit}), {visits}"
        )
        out[f"{KIND}:{name}:many"] = (
            f"{label}: {many_word} {{max_value}}{unit} ({limit} {{op}} {{threshold}}{unit}) "
            f"{periods}, {visits}"
        )
    return out


MESSAGES = {"sv": _messages("sv"), "en": _messages("en")}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    metric: str = Field(description="Which metric to compare: one of the metrics listed above.")
    op: Op = Field(">=", description="Comparison: >, >=, < or <= (metric op value).")
    value: float = Field(description="The threshold, in the metric's unit; shares as fractions (0.3 for 30 %).")
    min_visits: int = Field(
        30, ge=1,
        description="Supplier-periods with fewer visits to compute the metric over are not judged (min support): "
                    "for a share, visits that can be judged; for a duration ratio, visits planned at least a minute.",
    )

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, name: str) -> str:
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}; valid metrics: {', '.join(METRICS)}")
        return name

    @model_validator(mode="after")
    def _value_in_the_metrics_range(self) -> Params:
        """A value outside what the metric can be makes the rule flag every supplier or none:
        shares are 0-1 (0.3 for 30 %), everything else is 0 or more."""
        low, high = (0.0, 1.0) if METRICS[self.metric].unit == "share" else (0.0, math.inf)
        if not low <= self.value <= high:
            hint = " (shares are fractions: 0.3 for 30 %)" if high == 1.0 and self.value > 1 else ""
            raise ValueError(f"value {self.value:g} is outside what {self.metric} can be "
                             f"({low:g} to {'1' if high == 1.0 else 'any'}){hint}")
        always = (self.op == ">=" and self.value == low) or (self.op == "<=" and self.value == high)
        never = (self.op == "<" and self.value == low) or (self.op == ">" and self.value == high)
        if always or never:
            raise ValueError(f"{self.metric} {self.op} {self.value:g} is {'always' if always else 'never'} true: "
                             f"the rule would flag {'every' if always else 'no'} supplier")
        return self


def _display(value: float, metric: Metric) -> float:
    return round(100 * value, 1) if metric.unit == "share" else round(value, 2)


def _strength(measured: float, support: float, metric: Metric, params: Params) -> float:
    if params.op in (">", ">="):
        over, under = measured, params.value
    else:
        # A share cannot be measured finer than one visit of its support.
        floor = 1.0 / support if metric.unit == "share" and support > 0 else 0.0
        over, under = params.value, max(measured, floor)
    if under <= 0:
        return MAX_STRENGTH if over > 0 else 1.0
    return float(min(MAX_STRENGTH, max(1.0, over / under)))


def detect(ctx: RuleContext, params: Params) -> list[FindingDraft]:
    metric = METRICS[params.metric]
    visits = ctx.visits()
    staff, events = ctx.evidence.staff, ctx.evidence.client_events
    # Every threshold rule over the same scope and period shares one metrics table.
    table, support = ctx.derived(
        f"metrics:{ctx.period}", lambda v: supplier_period_metrics_and_support(v, ctx.period, staff, events)
    )
    measured, counted = table[params.metric], support[params.metric]
    hit = measured.notna() & (counted >= params.min_visits) & _OPS[params.op](measured, params.value)
    flagged = table[hit.to_numpy(dtype=bool)]
    if flagged.empty:
        return []
    # Below a floor the matching visits are the ones that keep the share up: not evidence.
    matching = _matching_visits(visits, metric, ctx, staff, events, flagged.index) if params.op in (">", ">=") else {}
    drafts = []
    for (supplier_id, key), row in flagged.iterrows():
        start, end = period_bounds(key, ctx.period)
        group = matching.get((supplier_id, key))
        judged = float(counted.loc[(supplier_id, key)])
        drafts.append(
            FindingDraft(
                supplier_id=int(supplier_id),
                period_start=start,
                period_end=end,
                strength=_strength(float(row[params.metric]), judged, metric, params),
                detail={
                    "key": f"{KIND}:{params.metric}",
                    "args": {
                        "max_value": _display(float(row[params.metric]), metric),
                        "op": params.op,
                        "threshold": _display(params.value, metric),
                        "visits": int(judged),
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
