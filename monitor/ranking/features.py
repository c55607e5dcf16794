"""Outlier features per supplier and period: rates and distributions, never absolute counts.

A supplier with 40,000 visits a week is not riskier than one with 400 for being big, so
every feature is a share, a ratio, a rate per 1,000 visits or a per-staff average. Most come
from monitor.findings.metrics (the same numbers threshold rules use); the rest need more than
one visit at a time:

- `overlap_rate_per_1000`, `fast_travel_rate_per_1000`: the staff_overlap and impossible_travel
  detectors' events at their default parameters (the shipped rules use the same), per 1,000
  visits, so the outlier model sees the signs the rules count even below a rule's threshold;
- `staff_turnover`: staff not seen at the supplier in its previous period with visits.

Each feature has a `direction`, the way it points to risk: "higher", "lower", "both", or
"context" for a feature that describes an operating model rather than a risk (a night
patrol works at night with short visits). Context features are documented and kept in the
table, but the outlier model does not score them.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from monitor.findings.detectors import FindingDraft, impossible_travel, staff_overlap
from monitor.findings.evidence import Evidence, RuleContext
from monitor.findings.metrics import INDEX, METRICS, supplier_period_metrics
from monitor.findings.periods import Period, period_keys
from monitor.findings.sequences import sequence_frame
from monitor.findings.visit_signs import SHORT_VISIT_MINUTES, registered_and_planned_minutes, short_visit_mask

logger = logging.getLogger(__name__)

Direction = Literal["higher", "lower", "both", "context"]
DIRECTIONS: tuple[Direction, ...] = ("higher", "lower", "both", "context")
FeatureUnit = Literal["share", "ratio", "per_1000", "minutes", "hours", "number"]
SHORT_MINUTES = SHORT_VISIT_MINUTES
# Visits planned shorter than this may be short by design: a night check ("nattillsyn") of ten minutes.
SHORT_PLANNED_MINUTES = 15.0
# The column beside the features: how many visits a supplier-period has (min support, not a feature).
VISITS = "visits"


@dataclass(frozen=True)
class Feature:
    """One outlier feature: what it measures (English, for docs/scoring.md), how an explanation
    names it (sv/en, lower case, to sit inside a sentence), its unit and risky direction.

    `min_spread` is the smallest difference from the peer median, in the feature's unit, that
    counts as one robust standard deviation: when nearly every peer has the same value (no
    relatives employed, no overlaps) the measured spread is 0, and a single visit would
    otherwise be infinitely unusual.
    """

    description: str
    sv: str
    en: str
    unit: FeatureUnit
    direction: Direction
    min_spread: float


def _from_metric(name: str, sv: str, en: str, direction: Direction, min_spread: float, why: str = "") -> Feature:
    metric = METRICS[name]
    unit: FeatureUnit = "number" if metric.unit == "count" else metric.unit  # type: ignore[assignment]
    return Feature(f"{metric.description} {why}".strip(), sv, en, unit, direction, min_spread)


FEATURES: dict[str, Feature] = {
    "manual_share": _from_metric(
        "manual_share", "manuella registreringar", "manual registrations", "higher", 0.02,
        "A manual time can be typed in for a visit that never happened."),
    "exact_planned_share": _from_metric(
        "exact_planned_share", "besök exakt enligt plan", "visits exactly as planned", "higher", 0.02,
        "Real visits rarely start and end on the planned minute."),
    "short_of_plan_share": Feature(
        f"Share of visits registered shorter than {SHORT_MINUTES:g} minutes though planned at "
        f"{SHORT_PLANNED_MINUTES:g} minutes or more (or without a plan), of all visits with a registered length: "
        "a tap at the door on a real visit. A night check planned at ten minutes is short by design and not "
        "counted (the short_visit_share metric counts it). Not the short_visits rule's count, which sets a "
        "visit against its own plan: a night patrol's four-minute checks of ten planned stay under the rule's "
        "share, but would make the patrol the most unusual of its peers here.",
        "korta besök (under 5 min) av planerat minst 15 min", "visits under 5 min of 15 planned",
        "share", "higher", 0.02),
    "median_duration_ratio": _from_metric(
        "median_duration_ratio", "registrerad/planerad tid (median)", "registered/planned time (median)",
        "higher", 0.05, "Time registered beyond the plan is time billed."),
    "p90_duration_ratio": _from_metric(
        "p90_duration_ratio", "registrerad/planerad tid (90:e percentilen)",
        "registered/planned time (90th percentile)", "higher", 0.1,
        "Inflation of some of the visits shows here before it moves the median."),
    "duration_ratio_iqr": _from_metric(
        "duration_ratio_iqr", "spridning i registrerad/planerad tid", "spread of registered/planned time",
        "higher", 0.1,
        "Scored on the high side only: a spread near 0 is already exact_planned_share's sign."),
    "late_registration_share": _from_metric(
        "late_registration_share", "besök registrerade över ett dygn i efterhand", "visits recorded over a day late",
        "higher", 0.02),
    "relative_visit_share": _from_metric(
        "relative_visit_share", "besök av anhörig personal", "visits by a relative", "higher", 0.05,
        "Employing a relative openly is allowed, so one among ten staff is ordinary: a wider spread floor."),
    "absent_client_visit_share": _from_metric(
        "absent_client_visit_share", "besök när brukaren var frånvarande", "visits while the client was away",
        "higher", 0.005, "Even a few such visits are a strong sign: a tighter spread floor."),
    "missing_coordinates_share": _from_metric(
        "missing_coordinates_share", "besök utan koordinater", "visits without coordinates", "higher", 0.02,
        "Visits without a position escape the travel and overlap checks."),
    "hours_per_staff_day": _from_metric(
        "hours_per_staff_day", "registrerade timmar per arbetsdag och personal", "registered hours per staff-day",
        "higher", 0.25, "More hours than a person can work point to shared or borrowed ids."),
    "clients_per_staff": _from_metric(
        "clients_per_staff", "brukare per personal", "clients per staff member", "context", 0.5,
        "Context: bounded by the supplier's size (with four clients, four is the most), so it would make "
        "small suppliers look odd; staff tied to one client is single_client_concentration's sign."),
    "overlap_rate_per_1000": Feature(
        "Visits at two different clients at once by one staff id, as the staff_overlap rule counts them "
        "(default minimum overlap), per 1,000 visits.",
        "samtidiga besök hos olika brukare per 1 000 besök",
        "simultaneous visits at different clients per 1,000 visits",
        "per_1000", "higher", 1.0),
    "fast_travel_rate_per_1000": Feature(
        "Moves between a staff id's visits that would need an impossible speed, as the impossible_travel rule "
        "counts them (default speed and distance), per 1,000 visits.",
        "orimligt snabba förflyttningar per 1 000 besök", "impossibly fast moves per 1,000 visits",
        "per_1000", "higher", 1.0),
    "staff_turnover": Feature(
        "Share of the period's staff ids not seen at the supplier in its previous period with visits "
        "(undefined for its first). Ids that come and go can be borrowed or invented.",
        "ny personal jämfört med perioden innan", "staff new since the previous period", "share", "higher", 0.05),
    "night_visit_share": _from_metric(
        "night_visit_share", "nattbesök", "night visits", "context", 0.02,
        "Context: a night patrol's operating model, not a risk."),
    "weekend_share": _from_metric(
        "weekend_share", "helgbesök", "weekend visits", "context", 0.02, "Context: care goes on at weekends."),
    "mean_visit_minutes": _from_metric(
        "mean_visit_minutes", "genomsnittlig besökstid", "mean visit length", "context", 2.0,
        "Context: set by the care plans (a night patrol's checks are short)."),
    "short_visit_share": _from_metric(
        "short_visit_share", "besök kortare än 5 min", "visits under 5 min", "context", 0.02,
        "Context: short by design in night checks; short_of_plan_share is the risk."),
    "visits_per_staff_day": _from_metric(
        "visits_per_staff_day", "besök per arbetsdag och personal", "visits per staff-day", "context", 0.5,
        "Context: follows from visit length; hours_per_staff_day is the limit a person has."),
}


def _event_counts(keys: np.ndarray, suppliers: np.ndarray, name: str) -> pd.Series:
    """Events per (supplier_id, period_key), named `name`, from each event's supplier and instant."""
    frame = pd.DataFrame({"supplier_id": suppliers.astype("int64"), "period_key": keys})
    frame = frame[np.isfinite(keys)].astype({"period_key": "int64"})
    return frame.groupby(INDEX).size().rename(name).astype("float64")


def overlap_counts(ctx: RuleContext) -> pd.Series:
    """staff_overlap pairs per supplier-period, dated by the later start as the rule dates them."""
    frame = ctx.derived("sequence", sequence_frame)
    params = staff_overlap.Params()
    pairs = staff_overlap.overlap_pairs(frame, params.min_overlap_minutes * 60)
    later = pairs["later"].to_numpy()
    starts = frame["registered_start"].to_numpy(dtype="float64")[later]
    return _event_counts(period_keys(starts, ctx.period), frame["supplier_id"].to_numpy()[later], "overlaps")


def _per_draft(drafts: list[FindingDraft], period: Period, values: list[float], name: str) -> pd.Series:
    if not drafts:
        return pd.Series(dtype="float64", name=name, index=pd.MultiIndex.from_arrays([[], []], names=INDEX))
    starts = np.array([d.period_start.timestamp() for d in drafts])
    index = pd.MultiIndex.from_arrays(
        [np.array([d.supplier_id for d in drafts], dtype="int64"), period_keys(starts, period).astype("int64")],
        names=INDEX,
    )
    return pd.Series(values, index=index, name=name, dtype="float64")


def fast_travel_counts(ctx: RuleContext) -> pd.Series:
    """impossible_travel moves per supplier-period: the rule's own findings, whose strength is
    the number of moves, so the feature and the rule never count differently."""
    drafts = impossible_travel.detect(ctx, impossible_travel.Params())
    return _per_draft(drafts, ctx.period, [d.strength for d in drafts], "moves")


def short_of_plan_flags(visits: pd.DataFrame) -> np.ndarray:
    """1.0 for a short visit of a long plan, 0.0 for another, NaN where the length is unknown."""
    short, known = short_visit_mask(visits, SHORT_MINUTES)
    _, planned = registered_and_planned_minutes(visits)
    short &= ~(planned < SHORT_PLANNED_MINUTES)  # NaN plan: not excluded
    return np.where(known, short.astype("float64"), np.nan)


def staff_turnover(visits: pd.DataFrame, period: Period) -> pd.Series:
    """Per (supplier_id, period_key): the share of the period's staff ids the supplier did not
    have in its previous period with visits; NaN for a supplier's first period."""
    keys = period_keys(visits["registered_start"].to_numpy(dtype="float64"), period)
    seen = pd.DataFrame({
        "supplier_id": visits["supplier_id"].to_numpy(dtype="int64"),
        "period_key": keys,
        "staff_id": visits["staff_id"].astype(str).to_numpy(),
    })
    seen = seen[np.isfinite(keys)].astype({"period_key": "int64"}).drop_duplicates()
    periods = seen[INDEX].drop_duplicates().sort_values(INDEX)
    periods["previous"] = periods.groupby("supplier_id")["period_key"].shift()
    seen = seen.merge(periods, on=INDEX)
    before = pd.MultiIndex.from_frame(seen[["supplier_id", "period_key", "staff_id"]])
    # Look each id up in the supplier's previous period: (supplier, previous, staff) seen at all?
    lookup = pd.MultiIndex.from_arrays([
        seen["supplier_id"], seen["previous"].fillna(-1).astype("int64"), seen["staff_id"]])
    seen["new"] = np.where(seen["previous"].isna(), np.nan, (~lookup.isin(before)).astype("float64"))
    return seen.groupby(INDEX)["new"].mean().rename("staff_turnover")


def supplier_period_features(evidence: Evidence, period: Period = "week") -> pd.DataFrame:
    """One row per (supplier_id, period_key) with a column per FEATURES entry, in that order,
    and `visits` (the period's visit count, for min support; not a feature). Undefined values
    (no planned times, a supplier's first period for turnover) are NaN."""
    ctx = RuleContext(evidence, period)
    visits = evidence.visits
    metrics = supplier_period_metrics(visits, period, evidence.staff, evidence.client_events)
    out = metrics[[name for name in FEATURES if name in metrics.columns]].copy()
    out[VISITS] = metrics["visits"]
    per_visit = 1000.0 / out[VISITS]
    out["overlap_rate_per_1000"] = overlap_counts(ctx).reindex(out.index, fill_value=0.0) * per_visit
    out["fast_travel_rate_per_1000"] = fast_travel_counts(ctx).reindex(out.index, fill_value=0.0) * per_visit
    keys = period_keys(visits["registered_start"].to_numpy(dtype="float64"), period)
    short = pd.DataFrame({"supplier_id": visits["supplier_id"].to_numpy(dtype="int64"), "period_key": keys,
                          "short": short_of_plan_flags(visits)})
    short = short[np.isfinite(keys)].astype({"period_key": "int64"})
    out["short_of_plan_share"] = short.groupby(INDEX)["short"].mean().reindex(out.index)
    out["staff_turnover"] = staff_turnover(visits, period).reindex(out.index)
    logger.debug("Computed supplier-period features rows=%s period=%s", len(out), period)
    return out[[*FEATURES, VISITS]].astype("float64")


_UNIT_SUFFIX = {"minutes": " min", "hours": " h"}
_PHRASES = {
    "sv": "{label} {value} mot {median} hos jämförbara leverantörer",
    "en": "{label} {value} vs {median} among peers",
}


def format_feature_value(name: str, value: float, language: str = "sv") -> str:
    """A feature's value as the team reads it: shares as %, ratios with 2 decimals, the rest
    with 1; Swedish with a decimal comma and a (no-break) space before %."""
    if value is None or not math.isfinite(value):
        return "–"
    unit = FEATURES[name].unit
    if unit == "share":
        percent = 100.0 * value
        # Below 10 % the decimal matters (0,4 % is not 0 %); above it is noise.
        text = f"{percent:.1f}" if abs(percent) < 10 and round(percent, 1) != round(percent) else f"{percent:.0f}"
        suffix = "\u00a0%" if language == "sv" else "%"
    elif unit == "ratio":
        text, suffix = f"{value:.2f}", ""
    else:
        text = f"{value:,.1f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{value:,.0f}"
        suffix = _UNIT_SUFFIX.get(unit, "")
    if language == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return f"{text}{suffix}"


def describe_feature(name: str, value: float, peer_median: float, language: str = "sv") -> str:
    """One explanation in words: 'manuella registreringar 41 % mot 3 % hos jämförbara
    leverantörer' / 'manual registrations 41% vs 3% among peers'."""
    feature = FEATURES[name]
    return _PHRASES[language].format(
        label=getattr(feature, language),
        value=format_feature_value(name, value, language),
        median=format_feature_value(name, peer_median, language),
    )


_UNIT_NAMES = {"share": "share (%)", "ratio": "ratio", "per_1000": "per 1,000 visits", "minutes": "minutes",
               "hours": "hours", "number": "number"}


def features_markdown() -> str:
    """The feature table of docs/scoring.md (a test checks the file holds exactly this)."""
    lines = ["| feature | direction | unit | spread floor | meaning |", "|---|---|---|---|---|"]
    for name, feature in FEATURES.items():
        description = feature.description.replace("|", "\\|")
        lines.append(f"| `{name}` | {feature.direction} | {_UNIT_NAMES[feature.unit]} | {feature.min_spread:g} "
                     f"| {description} |")
    return "\n".join(lines) + "\n"

