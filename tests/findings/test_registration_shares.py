"""Share detectors over registrations: exact-to-plan times, manual registrations over weeks,
very short visits and registrations made long afterwards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from monitor.findings.detectors import DETECTORS, late_registration
from monitor.findings.drafts import EVIDENCE_LIMIT
from monitor.findings.rules import load_rules
from monitor.messages import render_detail, render_summary
from monitor.yamlfile import ConfigFileError
from tests.conftest import BERTIL, BERTIL_HOME, HONEST, visit_row
from tests.findings.conftest import detect, make_rule, shipped_rule

MONDAY = date(2026, 10, 5)
CLOCK_CHANGE_WEEK = date(2026, 10, 19)  # its Sunday, 25 October, has 02:00-03:00 twice


def fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def week(n: int = 40, prefix: str = "V", monday: date = MONDAY, planned_minutes: int = 30,
         each: Callable[[int, datetime], dict[str, str]] = lambda i, start: {}, **extra: str) -> list[dict[str, str]]:
    """n visits in one week by Hemtjänst Beta's S1, spread over the days, registered exactly as planned;
    `each(i, planned_start)` changes visit i."""
    rows = []
    for i in range(n):
        start = datetime.combine(monday + timedelta(days=i % 7), time(7)) + timedelta(minutes=40 * (i // 7))
        row = visit_row(f"{prefix}{i:03d}", fmt(start), fmt(start + timedelta(minutes=planned_minutes)),
                        recorded_at="", **extra)
        rows.append({**row, **each(i, start)})
    return rows


def registered(start: datetime, shift_minutes: float, minutes: float) -> dict[str, str]:
    begin = start + timedelta(minutes=shift_minutes)
    return {"registered_start": fmt(begin), "registered_end": fmt(begin + timedelta(minutes=minutes))}


def flagged(drafts) -> list[tuple[int, int]]:
    return [(d.detail["args"]["visits"], d.detail["args"]["total"]) for d in drafts]


# --- exact_planned_times ---------------------------------------------------------------------------------------

def scattered(i: int, start: datetime) -> dict[str, str]:
    """An honest carer: a few minutes off plan either way, on plan one visit in five."""
    return {} if i % 5 == 0 else registered(start, (i % 7) - 3 or 2, 30 + (i % 5) - 2)


EXACT_CASES = [
    pytest.param(week(), [(40, 40)], id="every_visit_copies_the_plan"),
    pytest.param(week(each=lambda i, s: {} if i % 2 else registered(s, 4, 31)), [(20, 40)],
                 id="half_the_visits_copy_the_plan"),
    pytest.param(week(each=scattered), [], id="honest_times_scatter_a_few_minutes"),
    pytest.param(week(20), [], id="too_few_visits"),
    pytest.param(week(30) + week(30, "U", each=lambda i, s: {"planned_start": "", "planned_end": "",
                                                              **registered(s, 3, 27)}),
                 [(30, 30)], id="visits_without_a_plan_count_on_neither_side"),
    pytest.param(week(each=lambda i, s: {"registered_start": fmt(s) + ":40"}), [(40, 40)],
                 id="seconds_within_the_planned_minute_still_match"),
]


@pytest.mark.parametrize(("visits", "expected"), EXACT_CASES)
def test_it_flags_a_supplier_whose_times_copy_the_plan(load_evidence, visits, expected):
    engine = load_evidence(visits=visits)
    assert flagged(detect(engine, shipped_rule("exact_planned_times"))) == expected


# --- manual_registration_share ---------------------------------------------------------------------------------

def manual_weeks(*shares: float, n: int = 40, method: str = "manual", first: date = MONDAY,
                 prefix: str = "W") -> list[dict[str, str]]:
    """One week of n visits per share, the first round(share * n) of each registered by `method`."""
    rows = []
    for w, share in enumerate(shares):
        cut = round(share * n)
        rows += week(n, f"{prefix}{w}-", first + timedelta(weeks=w),
                     each=lambda i, s, cut=cut: {"registration_method": method} if i < cut else {})
    return rows


MANUAL_CASES = [
    pytest.param(manual_weeks(0.4, 0.3), [(28, 80, 2)], id="two_weeks_in_a_row"),
    pytest.param(manual_weeks(0.4, 0.3, 0.25, method="phone"), [(38, 120, 3)], id="three_weeks_by_phone"),
    pytest.param(manual_weeks(0.025, 0.9, 0.025), [], id="one_week_digital_lock_outage"),
    pytest.param(manual_weeks(0.025, 0.025, 0.05), [], id="normal_small_manual_share"),
    pytest.param(manual_weeks(0.5, 0.025, 0.5), [], id="high_weeks_not_in_a_row"),
    pytest.param(manual_weeks(0.5, 0.5, n=20), [], id="too_few_visits"),
    pytest.param(manual_weeks(0.5, 0.5, 0.0, 0.5, 0.5), [(40, 80, 2), (40, 80, 2)], id="two_separate_runs"),
    pytest.param(manual_weeks(0.5, 0.5, first=CLOCK_CHANGE_WEEK), [(40, 80, 2)], id="run_across_the_clock_change"),
    # A holiday week of 10 visits (all manual, or none) is not judged: the run goes on past it.
    pytest.param(manual_weeks(0.5, 0.5) + manual_weeks(1.0, n=10, first=MONDAY + timedelta(weeks=2), prefix="H")
                 + manual_weeks(0.5, 0.5, first=MONDAY + timedelta(weeks=3), prefix="X"), [(80, 160, 4)],
                 id="holiday_week_with_few_visits_does_not_break_a_run"),
    pytest.param(manual_weeks(0.5, 0.5) + manual_weeks(0.0, n=10, first=MONDAY + timedelta(weeks=2), prefix="H")
                 + manual_weeks(0.5, first=MONDAY + timedelta(weeks=3), prefix="X"), [(60, 120, 3)],
                 id="week_with_few_visits_none_manual_does_not_break_a_run"),
    pytest.param(manual_weeks(0.5) + manual_weeks(0.5, first=MONDAY + timedelta(weeks=2), prefix="X"), [(40, 80, 2)],
                 id="week_without_visits_does_not_break_a_run"),
    pytest.param(manual_weeks(0.5) + manual_weeks(1.0, n=10, first=MONDAY + timedelta(weeks=1), prefix="H"), [],
                 id="week_with_few_visits_does_not_count_towards_a_run"),
]


@pytest.mark.parametrize(("visits", "expected"), MANUAL_CASES)
def test_it_flags_a_high_manual_share_only_when_it_lasts(load_evidence, visits, expected):
    drafts = detect(load_evidence(visits=visits), shipped_rule("manual_registration_share"))
    assert [(*f, d.detail["args"]["periods"]) for f, d in zip(flagged(drafts), drafts, strict=True)] == expected


def test_it_reports_a_run_as_one_finding_from_its_first_to_its_last_week(load_evidence):
    (draft,) = detect(load_evidence(visits=manual_weeks(0.025, 0.5, 0.5, 0.5)), "manual_registration_share")
    assert (draft.period_start.isoformat(), draft.period_end.isoformat()) == (
        "2026-10-11T22:00:00+00:00", "2026-11-01T23:00:00+00:00")  # Monday 12 Oct to Monday 2 Nov, local midnight
    assert len(draft.evidence["visit_ids"]) == 60 and draft.evidence["staff_ids"] == ["S1"]
    assert draft.strength == pytest.approx(3 * 0.5 / 0.2)


def test_it_counts_only_the_chosen_methods(load_evidence):
    engine = load_evidence(visits=manual_weeks(0.5, 0.5, method="phone"))
    assert len(detect(engine, "manual_registration_share")) == 1
    assert detect(engine, "manual_registration_share", methods=["manual"]) == []


def test_it_spans_a_run_over_a_skipped_week_but_counts_only_the_judged_weeks(load_evidence):
    visits = (manual_weeks(0.5, 0.5) + manual_weeks(1.0, n=10, first=MONDAY + timedelta(weeks=2), prefix="H")
              + manual_weeks(0.5, first=MONDAY + timedelta(weeks=3), prefix="X"))
    (draft,) = detect(load_evidence(visits=visits), make_rule("manual_registration_share", min_consecutive_periods=3))
    assert (draft.period_start.isoformat(), draft.period_end.isoformat()) == (
        "2026-10-04T22:00:00+00:00", "2026-11-01T23:00:00+00:00")  # Monday 5 October to Monday 2 November
    assert draft.detail["args"]["periods"] == 3
    assert not any(visit_id.startswith("H") for visit_id in draft.evidence["visit_ids"])


def test_it_rejects_an_unknown_registration_method_naming_the_valid_ones(tmp_path):
    path = tmp_path / "registrations.yaml"
    path.write_text(
        "rules:\n  - id: manual\n    title: Manuellt\n    kind: manual_registration_share\n    severity: low\n"
        "    params:\n      methods: [Manuell, telefon]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigFileError) as error:
        load_rules(tmp_path)
    message = str(error.value)
    assert message.startswith(f"{path}:7: rule 'manual': field 'params.methods'")
    assert "unknown registration method(s) 'Manuell', 'telefon'; valid methods: nfc, digital_lock, app, manual, phone" \
        in message


def test_it_reads_registration_methods_in_any_case(load_evidence):
    engine = load_evidence(visits=manual_weeks(0.5, 0.5, method="phone"))
    assert len(detect(engine, "manual_registration_share", methods=["Phone"])) == 1


def test_it_flags_a_single_week_when_the_rule_asks_for_one(load_evidence):
    engine = load_evidence(visits=manual_weeks(0.025, 0.9, 0.025))
    assert flagged(detect(engine, "manual_registration_share", min_consecutive_periods=1)) == [(36, 40)]


def test_it_words_a_monthly_run_in_months(load_evidence):
    visits = manual_weeks(0.5, 0.5, 0.5, 0.5, 0.5)  # 5 October to 8 November
    (draft,) = detect(load_evidence(visits=visits), make_rule("manual_registration_share", period="month"))
    assert render_detail(draft.detail) == (
        "50 % manuella registreringar (100 av 200 besök) under 2 månader i följd (gräns 20 %)")


# --- short_visits -----------------------------------------------------------------------------------------------

def night_check(i: int, start: datetime) -> dict[str, str]:
    """Nattillsyn planned at 10 minutes: 4 to 10 minutes, 3 minutes one time in seven."""
    return {"service_type": "nattillsyn", **registered(start, 0, 3 if i % 7 == 0 else 4 + i % 7)}


SHORT_CASES = [
    pytest.param(week(each=lambda i, s: registered(s, 0, 2) if i % 10 < 3 else {}), [(12, 40)],
                 id="tap_in_tap_out_visits"),
    pytest.param(week(each=night_check, planned_minutes=10), [], id="night_patrol_checks_of_4_to_10_minutes"),
    pytest.param(week(planned_minutes=5, each=lambda i, s: registered(s, 0, 4)), [],
                 id="five_minute_checks_taking_four"),
    pytest.param(week(each=lambda i, s: {"planned_start": "", "planned_end": "",
                                         **(registered(s, 0, 3) if i % 5 < 2 else {})}), [(16, 40)],
                 id="short_visits_without_a_plan"),
    pytest.param(week(20, each=lambda i, s: registered(s, 0, 2)), [], id="too_few_visits"),
    # 02:50 summer time to 02:10 winter time is 20 minutes, not minus 40.
    pytest.param([visit_row(f"N{i:02d}", "2026-10-25 02:50", "2026-10-25 02:10", recorded_at="") for i in range(40)],
                 [], id="night_visits_across_the_autumn_clock_change"),
]


@pytest.mark.parametrize(("visits", "expected"), SHORT_CASES)
def test_it_flags_a_supplier_with_many_very_short_visits(load_evidence, visits, expected):
    assert flagged(detect(load_evidence(visits=visits), shipped_rule("short_visits"))) == expected


def test_it_flags_short_planned_checks_when_the_plan_is_not_considered(load_evidence):
    engine = load_evidence(visits=week(planned_minutes=5, each=lambda i, s: registered(s, 0, 4)))
    assert flagged(detect(engine, "short_visits", planned_fraction=1.0)) == [(40, 40)]


# --- late_registration ------------------------------------------------------------------------------------------

def recorded(start: datetime, hours_after_end: float, minutes: int = 30) -> dict[str, str]:
    return {"recorded_at": fmt(start + timedelta(minutes=minutes, hours=hours_after_end))}


LATE_CASES = [
    pytest.param(week(each=lambda i, s: recorded(s, 72 if i % 20 < 3 else 0.1)), [(6, 40)],
                 id="registrations_three_days_late"),
    pytest.param(week(each=lambda i, s: recorded(s, 1 + (i % 2))), [], id="manual_entries_1_to_2_hours_later"),
    pytest.param(week(each=lambda i, s: recorded(s, 11.5 - (i // 7) * 0.6)), [],
                 id="batch_confirmation_at_the_end_of_the_shift"),
    pytest.param(week(), [], id="supplier_without_recorded_times"),
    pytest.param(week(30, each=lambda i, s: recorded(s, 48 if i < 4 else 0.1)) + week(40, "U"), [(4, 30)],
                 id="visits_without_recorded_time_are_left_out"),
    pytest.param(week(20, each=lambda i, s: recorded(s, 72)), [], id="too_few_visits"),
    # Ends 01:30 summer time on the 25th, recorded 01:00 winter time on the 26th: 24.5 hours, 23.5 on the clock.
    pytest.param(week(36, monday=CLOCK_CHANGE_WEEK, each=lambda i, s: recorded(s, 0.5))
                 + [visit_row(f"N{i}", "2026-10-25 01:00", "2026-10-25 01:30", recorded_at="2026-10-26 01:00")
                    for i in range(4)], [(4, 40)], id="a_day_late_across_the_autumn_clock_change"),
]


@pytest.mark.parametrize(("visits", "expected"), LATE_CASES)
def test_it_flags_a_supplier_registering_long_after_the_visits(load_evidence, visits, expected):
    assert flagged(detect(load_evidence(visits=visits), shipped_rule("late_registration"))) == expected


def test_it_names_the_staff_with_the_most_late_registrations_first(load_evidence):
    staff = {i: "S2" for i in range(5)} | {i: "S3" for i in range(5, 8)} | {8: "S1"}
    visits = week(each=lambda i, s: {"staff_id": staff.get(i, "S4"), **recorded(s, 30 if i in staff else 0.2)})
    (draft,) = detect(load_evidence(visits=visits), "late_registration", top_staff=2)
    assert draft.evidence["top_staff_ids"] == ["S2", "S3"]
    assert draft.evidence["staff_ids"] == ["S1", "S2", "S3"] and draft.detail["args"]["staff"] == 3


def late_staff_week(late: dict[str, tuple[int, int]]) -> list[dict[str, str]]:
    """A week of visits recorded on time, except: staff id -> (visits, of them recorded two days late)."""
    rows = []
    for staff_id, (count, late_count) in late.items():
        rows += week(count, f"{staff_id}-", staff_id=staff_id,
                     each=lambda i, s, late_count=late_count: recorded(s, 48 if i < late_count else 0.5))
    return rows


def test_it_names_the_staff_whose_own_late_share_reaches_the_threshold_highest_share_first(load_evidence):
    visits = late_staff_week({
        "S1": (10, 2),   # 20 %
        "S2": (12, 0),   # on time
        "S3": (10, 5),   # 50 %
        "S4": (3, 3),    # 100 %, but too few visits to judge on their own
        "S5": (20, 1),   # 5 %: under the threshold
        "S6": (10, 2),   # 20 %, tied with S1
    })
    (draft,) = detect(load_evidence(visits=visits), shipped_rule("late_registration"))
    assert draft.evidence["late_staff_ids"] == ["S3", "S1", "S6"]
    assert draft.detail["args"]["late_staff"] == 3
    assert draft.evidence["staff_ids"] == ["S1", "S3", "S4", "S5", "S6"]


def test_it_lists_at_most_the_evidence_limit_of_late_staff_but_counts_them_all(load_evidence, monkeypatch):
    monkeypatch.setattr(late_registration, "EVIDENCE_LIMIT", 2)
    visits = late_staff_week({"S1": (10, 2), "S2": (10, 3), "S3": (10, 4)})
    (draft,) = detect(load_evidence(visits=visits), shipped_rule("late_registration"))
    assert draft.evidence["late_staff_ids"] == ["S3", "S2"]
    assert draft.detail["args"]["late_staff"] == 3


def test_it_names_at_most_the_evidence_limit_of_top_staff():
    params = DETECTORS["late_registration"].Params
    assert params.model_validate({"top_staff": EVIDENCE_LIMIT}).top_staff == EVIDENCE_LIMIT
    with pytest.raises(ValidationError):
        params.model_validate({"top_staff": EVIDENCE_LIMIT + 1})


def test_it_judges_each_supplier_on_its_own_visits(load_evidence):
    honest = week(prefix="H", each=lambda i, s: recorded(s, 0.5), supplier_org_number=HONEST["org_number"],
                  client_id=BERTIL, address=BERTIL_HOME, staff_id="A7")
    late = week(each=lambda i, s: recorded(s, 50 if i < 8 else 0.5))
    drafts = detect(load_evidence(visits=honest + late), shipped_rule("late_registration"))
    assert [d.evidence["staff_ids"] for d in drafts] == [["S1"]]


# --- wording ----------------------------------------------------------------------------------------------------

WORDING = [
    pytest.param("exact_planned_times", week(),
                 "40 av 40 besök (100 %) har registrerad start och slut exakt lika planerade (gräns 50 %)",
                 id="exact_planned_times"),
    pytest.param("manual_registration_share", manual_weeks(0.5, 0.25),
                 "37,5 % manuella registreringar (30 av 80 besök) under 2 veckor i följd (gräns 20 %)",
                 id="manual_registration_share"),
    pytest.param("short_visits", week(each=lambda i, s: registered(s, 0, 2) if i < 10 else {}),
                 "10 av 40 besök (25 %) var kortare än 5 min (gräns 25 %)", id="short_visits"),
    pytest.param("late_registration", week(each=lambda i, s: recorded(s, 30 if i < 4 else 1)),
                 "4 av 40 besök (10 %) registrerades mer än 24 timmar i efterhand, av 1 anställd (gräns 10 %); "
                 "1 anställd hade själva minst 10 % sena registreringar",
                 id="late_registration"),
]


@pytest.mark.parametrize(("kind", "visits", "expected"), WORDING)
def test_it_words_the_finding_in_swedish(load_evidence, kind, visits, expected):
    (draft,) = detect(load_evidence(visits=visits), shipped_rule(kind))
    assert render_detail(draft.detail) == expected


def test_it_sums_the_visits_of_several_weeks_in_one_sentence(load_evidence):
    drafts = detect(load_evidence(visits=week() + week(prefix="X", monday=MONDAY + timedelta(weeks=1))),
                    shipped_rule("exact_planned_times"))
    assert render_summary([d.detail for d in drafts]) == (
        "80 av 80 besök har registrerad start och slut exakt lika planerade, som mest 100 % (gräns 50 %)")
