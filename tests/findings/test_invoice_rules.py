"""The billing detectors: invoices against registered visits and contracts, with the honest
look-alikes (an invoice corrected by a credit note, a month the visits do not cover)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.imports import SPECS, import_csv
from monitor.messages import render_detail
from monitor.pseudonyms import Pseudonymiser
from tests.conftest import HONEST, SUSPECT, supplier_row, visit_row
from tests.findings.conftest import detect, shipped_rule

BETA, ALFA = SUSPECT["org_number"], HONEST["org_number"]
OUTSIDER = "556778-8996"  # not in the supplier register


def october_visits(days: int = 31) -> list[dict[str, str]]:
    """Hemtjänst Beta registers one hour of hemtjänst a day in October: 31 hours in all."""
    return [visit_row(f"V{d:02d}", f"2026-10-{d:02d} 08:00", f"2026-10-{d:02d} 09:00") for d in range(1, days + 1)]


def line(invoice_id: str, hours: float, amount: float, org: str = BETA, **extra: str) -> dict[str, str]:
    row = {"invoice_id": invoice_id, "supplier_org_number": org, "period": "2026-10", "service_type": "Hemtjänst",
           "hours": f"{hours:g}", "units": "", "amount": f"{amount:g}", "contract_price": "450",
           "invoice_date": "2026-11-05", "contract_area": ""}
    return {**row, **extra}


@pytest.fixture
def billed(load_evidence, write_csv: Callable[..., Path], pseudonymise: Pseudonymiser):
    def load(*lines: dict[str, str], visits: list[dict[str, str]] | None = None) -> Engine:
        engine = load_evidence(visits=october_visits() if visits is None else visits)
        result = import_csv(engine, SPECS["invoices"], write_csv("invoices.csv", list(lines)))
        assert result.rows_rejected == 0, result.rejected
        return engine

    return load


def test_it_flags_more_hours_billed_than_registered(billed):
    engine = billed(line("F1", 40, 18_000))
    (finding,) = detect(engine, shipped_rule("billed_vs_registered"))
    assert render_detail(finding.detail) == ("Fakturerade 40 timmar Hemtjänst för 2026-10 men registrerade 31 "
                                             "(9 timmar, 29 % över; tolerans 10 %)")
    assert finding.evidence == {"invoice_ids": ["F1"]}


@pytest.mark.parametrize("lines", [
    [line("F1", 33, 14_850)],  # within the tolerance
    [line("F1", 50, 22_500), line("K1", -50, -22_500), line("F2", 31, 13_950)],  # corrected by a credit note
], ids=["within_tolerance", "corrected_by_a_credit_note"])
def test_honest_billing_is_not_flagged(billed, lines):
    engine = billed(*lines)
    for kind in ("billed_vs_registered", "billed_without_visits", "price_above_contract", "purchases_outside_contract"):
        assert detect(engine, shipped_rule(kind)) == [], kind


def test_a_month_the_visit_data_does_not_cover_is_not_judged(billed):
    # Visits from the 25th only: the rest of the month may simply not be imported yet.
    engine = billed(line("F1", 40, 18_000), visits=october_visits()[24:])
    assert detect(engine, shipped_rule("billed_vs_registered")) == []


def from_the_fifth() -> list[dict[str, str]]:
    """Visits from 5 October only (27 of 31 days), two hours a day: 54 registered hours."""
    return [visit_row(f"V{d:02d}", f"2026-10-{d:02d} 08:00", f"2026-10-{d:02d} 10:00") for d in range(5, 32)]


def test_a_partly_covered_month_compares_the_bill_with_the_registered_hours_scaled_to_the_month(billed):
    # Beta honestly bills its two hours a day for all October, 62 hours: against the 54 hours of
    # the 27 covered days unscaled it would look 14.8 % over. Alfa bills with no visit at all,
    # which a partly covered month still shows.
    engine = billed(line("F1", 62, 27_900), line("F2", 20, 9_000, ALFA), visits=from_the_fifth())
    assert detect(engine, shipped_rule("billed_vs_registered")) == []
    (finding,) = detect(engine, shipped_rule("billed_without_visits"))
    assert finding.evidence == {"invoice_ids": ["F2"]}


def test_it_flags_more_hours_billed_than_registered_in_a_partly_covered_month_saying_it_scaled(billed):
    engine = billed(line("F1", 75, 33_750), visits=from_the_fifth())
    (finding,) = detect(engine, shipped_rule("billed_vs_registered"))
    assert render_detail(finding.detail) == (
        "Fakturerade 75 timmar Hemtjänst för 2026-10 men registrerade 54 på de 27 av månadens 31 dagar som besöksdata "
        "täcker, 62 uppräknat till hela månaden (13 timmar, 21 % över; tolerans 10 %)")
    assert "scaled to the whole month" in render_detail(finding.detail, "en")


def test_it_flags_billing_for_a_service_without_a_single_registered_visit(billed):
    engine = billed(line("F1", 20, 9_000, ALFA))
    (finding,) = detect(engine, shipped_rule("billed_without_visits"))
    assert render_detail(finding.detail) == ("Fakturerade Hemtjänst för 2026-10 (20 timmar, 9\u00a0000 kr) utan ett "
                                             "enda registrerat besök")


def test_a_service_the_time_registration_does_not_register_is_not_billed_without_visits(billed):
    engine = billed(line("F1", 20, 9_000, ALFA, service_type="Ledsagning"))
    assert detect(engine, shipped_rule("billed_without_visits")) == []


def test_it_flags_a_price_above_the_contract_price(billed):
    engine = billed(line("F1", 31, 31 * 520))
    (finding,) = detect(engine, shipped_rule("price_above_contract"))
    assert render_detail(finding.detail) == ("Hemtjänst för 2026-10 fakturerades för 520 kr per timme mot avtalets "
                                             "450 kr (2\u00a0170 kr över)")
    assert "520 SEK per hour" in render_detail(finding.detail, "en")


def test_it_flags_purchases_outside_the_contract_area_and_period(billed, write_csv, pseudonymise):
    engine = billed(line("F1", 31, 13_950), line("F2", 10, 6_000, contract_area="LSS", service_type="Ledsagning"),
                    line("F3", 5, 2_500, ALFA, period="2023-11", invoice_date="2023-12-05"))
    found = {f.supplier_id: f for f in detect(engine, shipped_rule("purchases_outside_contract"))}
    assert len(found) == 2
    texts = sorted(render_detail(f.detail) for f in found.values())
    assert texts == ["Köp utanför avtalet för 2023-11: 2\u00a0500 kr utanför avtalsperioden",
                     "Köp utanför avtalet för 2026-10: 6\u00a0000 kr för annat avtalsområde (LSS)"]


def test_the_monthly_spend_gives_the_share_within_contract(billed):
    from monitor.findings.purchases import monthly_spend

    engine = billed(line("F1", 31, 13_950), line("F2", 10, 6_000, contract_area="LSS"), line("F3", 10, 5_000, OUTSIDER),
                    line("K3", -2, -1_000, OUTSIDER))
    with engine.connect() as conn:
        (october,) = monthly_spend(conn)
    assert october.as_json() == {"month": "2026-10", "total": 23_950, "outside": 10_000, "outside_register": 4_000,
                                 "outside_contract": 6_000, "suppliers_outside_register": 1, "loyalty_pct": 58.2}


def test_the_supplier_register_needs_no_contract_dates_for_the_billing_rules(billed, write_csv, pseudonymise):
    engine = billed(line("F1", 31, 13_950))
    row = supplier_row(**SUSPECT, contract_start="")
    import_csv(engine, SPECS["suppliers"], write_csv("s2.csv", [row]), pseudonymise=pseudonymise)
    assert detect(engine, shipped_rule("purchases_outside_contract")) == []
