"""The register detectors over company-facts and IVO snapshots: each sign, and the honest
look-alikes (a name change, a single board change, a registration back in place) that stay unflagged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from monitor.imports import SPECS, import_csv
from monitor.messages import render_detail
from monitor.pseudonyms import Pseudonymiser
from tests.conftest import HONEST, SUSPECT, supplier_row
from tests.findings.conftest import detect, make_rule, shipped_rule

BETA, ALFA = SUSPECT["org_number"], HONEST["org_number"]
BOARD = ["19700101-0003", "19710101-0013", "19720101-0023"]


def snapshot(day: str, org: str = BETA, **facts: str) -> dict[str, str]:
    row = {"org_number": org, "snapshot_date": day, "name": "Hemtjänst Beta AB", "f_tax": "ja", "vat": "ja",
           "employer": "ja", "payment_remarks": "0", "payment_remarks_amount": "0", "credit_rating": "AA",
           "company_status": "active", "board_members": ";".join(BOARD), "signatories": BOARD[0]}
    return {**row, **facts}


@pytest.fixture
def registry(with_suppliers: Engine, write_csv: Callable[..., Path], pseudonymise: Pseudonymiser):
    def load(*rows: dict[str, str], kind: str = "registry") -> Engine:
        if not rows:
            return with_suppliers
        result = import_csv(with_suppliers, SPECS[kind], write_csv(f"{kind}.csv", list(rows)),
                            pseudonymise=pseudonymise if SPECS[kind].pseudonymises else None)
        assert result.rows_rejected == 0, result.rejected
        return with_suppliers

    return load


def test_it_flags_an_f_tax_registration_removed_while_the_contract_runs_naming_both_dates(registry):
    engine = registry(snapshot("2026-07-01"), snapshot("2026-09-01", f_tax="nej"), snapshot("2026-10-01", f_tax="nej"))
    (finding,) = detect(engine, shipped_rule("registration_lapsed"))
    assert finding.evidence["snapshots"] == ["2026-07-01", "2026-09-01", "2026-10-01"]
    text = render_detail(finding.detail)
    assert text.startswith("F-skatten saknas i registret 2026-09-01 – 2026-10-01") and "registrerad 2026-07-01" in text
    assert "F-tax registration missing" in render_detail(finding.detail, "en")


def test_a_registration_back_in_place_or_lapsed_after_the_contract_ended_is_not_flagged(registry, write_csv,
                                                                                       pseudonymise):
    engine = registry(snapshot("2026-07-01"), snapshot("2026-08-01", vat="", employer=""),
                      snapshot("2026-09-01"), snapshot("2026-07-01", ALFA), snapshot("2026-10-01", ALFA, f_tax="nej"))
    ended = supplier_row(**HONEST, contract_end="2026-08-31")
    import_csv(engine, SPECS["suppliers"], write_csv("s2.csv", [ended]), pseudonymise=pseudonymise)
    assert detect(engine, shipped_rule("registration_lapsed")) == []


def test_a_supplier_never_vat_registered_is_not_flagged_but_one_that_lost_it_is(registry):
    # Care services are VAT-exempt: many honest suppliers never had a VAT registration to lose.
    engine = registry(snapshot("2026-07-01", ALFA, vat="nej"), snapshot("2026-08-01", ALFA, vat="nej"),
                      snapshot("2026-09-01", ALFA, vat="nej"),
                      snapshot("2026-07-01", vat="nej"), snapshot("2026-08-01"), snapshot("2026-09-01", vat="nej"))
    (finding,) = detect(engine, shipped_rule("registration_lapsed"))
    assert finding.detail["key"] == "registration_lapsed:vat"
    assert render_detail(finding.detail) == ("Momsregistreringen saknas i registret 2026-09-01, under pågående avtal "
                                             "(registrerad 2026-08-01)")
    assert finding.evidence["snapshots"] == ["2026-08-01", "2026-09-01"]


def test_it_flags_a_company_gone_into_liquidation_with_the_status_it_left(registry):
    engine = registry(snapshot("2026-08-01"), snapshot("2026-10-01", company_status="liquidation"))
    (finding,) = detect(engine, shipped_rule("company_status"))
    assert render_detail(finding.detail) == ("Bolaget är i likvidation enligt registret 2026-10-01 under pågående "
                                             "avtal (var aktivt 2026-08-01)")
    assert finding.evidence["snapshots"] == ["2026-08-01", "2026-10-01"]


def test_a_bankruptcy_after_liquidation_names_the_liquidation_it_followed(registry):
    engine = registry(snapshot("2026-07-01"), snapshot("2026-08-01", company_status="liquidation"),
                      snapshot("2026-10-01", company_status="bankruptcy"))
    liquidation, bankruptcy = sorted(detect(engine, shipped_rule("company_status")),
                                     key=lambda f: f.period_end)
    assert render_detail(liquidation.detail).endswith("(var aktivt 2026-07-01)")
    assert render_detail(bankruptcy.detail) == ("Bolaget är i konkurs enligt registret 2026-10-01 under pågående "
                                                "avtal (var i likvidation 2026-08-01)")
    assert bankruptcy.evidence["snapshots"] == ["2026-08-01", "2026-10-01"]


@pytest.mark.parametrize(("after", "flagged"), [
    ({"payment_remarks": "2", "payment_remarks_amount": "48500"}, True),
    ({"payment_remarks": "0", "payment_remarks_amount": "0"}, False),
], ids=["new_remarks", "no_change"])
def test_it_flags_new_payment_remarks_between_two_snapshots(registry, after, flagged):
    engine = registry(snapshot("2026-08-01"), snapshot("2026-10-01", **after))
    found = detect(engine, shipped_rule("payment_remarks"))
    assert bool(found) is flagged
    if flagged:
        assert render_detail(found[0].detail) == ("Betalningsanmärkningar 0 → 2 och belopp 0 → 48\u00a0500 kr "
                                                  "mellan 2026-08-01 och 2026-10-01")


def test_an_empty_remarks_count_or_amount_is_unknown_not_zero(registry):
    # The earlier snapshot gives the count but not the amount: no "0 → 60 000 kr".
    engine = registry(snapshot("2026-08-01", payment_remarks="2", payment_remarks_amount=""),
                      snapshot("2026-10-01", payment_remarks="2", payment_remarks_amount="60000"),
                      snapshot("2026-08-01", ALFA, payment_remarks="", payment_remarks_amount="5000"),
                      snapshot("2026-10-01", ALFA, payment_remarks="1", payment_remarks_amount="5000"))
    assert detect(engine, shipped_rule("payment_remarks")) == []


def test_remarks_count_and_amount_are_each_compared_with_the_last_snapshot_that_states_them(registry):
    engine = registry(snapshot("2026-07-01", payment_remarks="2", payment_remarks_amount="60000"),
                      snapshot("2026-08-01", payment_remarks="2", payment_remarks_amount=""),
                      snapshot("2026-10-01", payment_remarks="3", payment_remarks_amount="75000"))
    found = detect(engine, shipped_rule("payment_remarks"))
    assert sorted(render_detail(f.detail) for f in found) == [
        "Belopp för betalningsanmärkningar 60\u00a0000 → 75\u00a0000 kr mellan 2026-07-01 och 2026-10-01",
        "Betalningsanmärkningar 2 → 3 mellan 2026-08-01 och 2026-10-01",
    ]


@pytest.mark.parametrize(("ratings", "flagged"), [(("AA", "B"), True), (("AA", "A"), False), (("AA", "okänt"), False)],
                         ids=["two_steps", "one_step", "not_on_the_scale"])
def test_it_flags_a_credit_rating_that_fell_several_steps(registry, ratings, flagged):
    engine = registry(snapshot("2026-08-01", credit_rating=ratings[0]), snapshot("2026-10-01", credit_rating=ratings[1]))
    assert bool(detect(engine, shipped_rule("rating_drop"))) is flagged


@pytest.mark.parametrize(("ratings", "flagged"), [(("4", "2"), True), (("4", "3"), False)],
                         ids=["two_steps", "one_step"])
def test_a_numeric_scale_as_documented_is_accepted(registry, ratings, flagged):
    engine = registry(snapshot("2026-08-01", credit_rating=ratings[0]), snapshot("2026-10-01", credit_rating=ratings[1]))
    assert bool(detect(engine, make_rule("rating_drop", scale=[5, 4, 3, 2, 1]))) is flagged


def test_a_yes_no_in_the_scale_is_still_refused():
    with pytest.raises(ValueError, match="scale"):
        make_rule("rating_drop", scale=["A", True]).effective_params  # noqa: B018 (validates the params)


def _board(*people: str) -> dict[str, str]:
    return {"board_members": ";".join(people), "signatories": people[0]}


def test_it_flags_a_board_replaced_three_times_in_a_year(registry):
    engine = registry(snapshot("2026-01-05", **_board("19500101-0001", "19500101-0002")),
                      snapshot("2026-04-06", **_board("19600101-0001", "19500101-0002")),
                      snapshot("2026-07-06", **_board("19600101-0001", "19600101-0002")),
                      snapshot("2026-10-05", **_board("19800101-0001", "19600101-0002")))
    (finding,) = detect(engine, shipped_rule("board_churn"))
    assert finding.detail["args"]["replacements"] == 3
    assert render_detail(finding.detail).startswith("Styrelse och firmatecknare byttes 3 gånger mellan 2026-01-05 "
                                                    "och 2026-10-05")


def test_a_single_board_change_a_name_change_or_an_empty_list_is_not_churn(registry):
    engine = registry(snapshot("2026-01-05"), snapshot("2026-04-06", board_members="", signatories=""),
                      snapshot("2026-07-06", name="Beta Omsorg AB"),
                      snapshot("2026-10-05", name="Beta Omsorg AB", **_board(BOARD[0], BOARD[1], "19900101-0001")))
    assert detect(engine, shipped_rule("board_churn")) == []


def test_a_snapshot_listing_only_the_signatories_is_not_the_board_leaving(registry):
    # Every other snapshot gives the signatory alone: the union would count the second board
    # member leaving and coming back each time (4 replacements); the board never changed.
    engine = registry(*(snapshot(day, board_members="" if i % 2 else ";".join(BOARD[:2]), signatories=BOARD[0])
                        for i, day in enumerate(["2026-01-05", "2026-03-02", "2026-05-04", "2026-07-06",
                                                 "2026-10-05"])))
    assert detect(engine, shipped_rule("board_churn")) == []


def test_board_replacements_around_a_signatories_only_snapshot_still_count(registry):
    engine = registry(snapshot("2026-01-05", **_board("19500101-0001", "19500101-0002")),
                      snapshot("2026-03-02", board_members="", signatories="19500101-0001"),
                      snapshot("2026-04-06", **_board("19600101-0001", "19500101-0002")),
                      snapshot("2026-07-06", **_board("19600101-0001", "19600101-0002")),
                      snapshot("2026-10-05", **_board("19800101-0001", "19600101-0002")))
    (finding,) = detect(engine, shipped_rule("board_churn"))
    # 2026-01-05 → 2026-03-02 compares the signatory only (unchanged); 03-02 → 04-06 too (one
    # signatory swapped), then a member in each of the two later snapshots.
    assert finding.detail["args"]["replacements"] == 3


def test_it_flags_a_board_member_from_a_supplier_whose_contract_was_cancelled(registry, write_csv, pseudonymise):
    engine = registry(snapshot("2026-03-01", ALFA, **_board("19500101-0001", "19500101-0002")),
                      snapshot("2026-10-01", **_board("19500101-0002", "19990101-0009")))
    cancelled = supplier_row(**HONEST, contract_cancelled="ja", contract_end="2026-05-31")
    import_csv(engine, SPECS["suppliers"], write_csv("s2.csv", [cancelled]), pseudonymise=pseudonymise)
    (finding,) = detect(engine, shipped_rule("board_churn"))
    assert render_detail(finding.detail) == ("1 person i styrelsen 2026-10-01 satt i styrelsen för Omsorg Alfa AB "
                                             "(556677-8899), vars avtal hävts")
    assert finding.evidence["org_numbers"] == [ALFA]


def _permit(org: str, status: str, day: str = "2026-10-01", **extra: str) -> dict[str, str]:
    row = {"org_number": org, "unit": "HVB Solgläntan", "permit_type": "HVB", "decision_date": "2021-05-10",
           "status": status, "snapshot_date": day, "criticism_date": "", "criticism_area": "", "criticism": ""}
    return {**row, **extra}


def test_it_flags_an_hvb_supplier_whose_permit_was_revoked(registry, write_csv, pseudonymise):
    rows = [supplier_row(**SUSPECT, contract_area="HVB"), supplier_row(**HONEST, contract_area="HVB")]
    import_csv(registry(), SPECS["suppliers"], write_csv("s2.csv", rows), pseudonymise=pseudonymise)
    engine = registry(_permit(BETA, "valid", "2026-06-01"), _permit(BETA, "revoked"), _permit(ALFA, "valid"),
                      kind="permits")
    (finding,) = detect(engine, shipped_rule("permit_missing"))
    assert render_detail(finding.detail) == ("Inget giltigt IVO-tillstånd i registret 2026-10-01 för avtalsområdet HVB "
                                             "(tillstånd i registret: HVB Solgläntan (revoked); senast giltigt 2026-06-01)")
    assert finding.evidence["snapshots"] == ["2026-06-01", "2026-10-01"]


def test_a_later_one_company_look_up_judges_only_that_company(registry, write_csv, pseudonymise):
    rows = [supplier_row(**SUSPECT, contract_area="HVB"), supplier_row(**HONEST, contract_area="HVB")]
    import_csv(registry(), SPECS["suppliers"], write_csv("s2.csv", rows), pseudonymise=pseudonymise)
    # A full export on 1 October, then IVO looked up Beta alone on 1 November: Alfa's permit
    # is still the one of the full export, while Beta's look-up shows its permit revoked.
    engine = registry(_permit(BETA, "valid"), _permit(ALFA, "valid"), _permit(BETA, "revoked", "2026-11-01"),
                      kind="permits")
    (finding,) = detect(engine, shipped_rule("permit_missing"))
    assert finding.detail["args"]["latest"] == "2026-11-01"
    assert finding.evidence["snapshots"] == ["2026-10-01", "2026-11-01"]
    with engine.connect() as conn:
        beta = conn.execute(text("SELECT id FROM suppliers WHERE org_number = :o"), {"o": BETA}).scalar_one()
    assert finding.supplier_id == beta


def test_a_supplier_a_later_full_export_no_longer_lists_is_flagged(registry, write_csv, pseudonymise):
    rows = [supplier_row(**SUSPECT, contract_area="HVB"), supplier_row(**HONEST, contract_area="HVB")]
    import_csv(registry(), SPECS["suppliers"], write_csv("s2.csv", rows), pseudonymise=pseudonymise)
    engine = registry(_permit(BETA, "valid"), _permit(ALFA, "valid"), _permit(ALFA, "valid", "2026-11-01"),
                      _permit("556778-8996", "valid", "2026-11-01"), kind="permits")
    (finding,) = detect(engine, shipped_rule("permit_missing"))
    assert finding.detail["args"] == {"area": "HVB", "latest": "2026-11-01", "listed": "—",
                                      "last_valid": "2026-10-01"}


def test_home_care_needs_no_permit(registry):
    engine = registry(_permit(ALFA, "valid"), kind="permits")
    assert detect(engine, shipped_rule("permit_missing")) == []


def test_it_flags_ivo_criticism_once_however_many_snapshots_repeat_it(registry):
    criticism = {"criticism_date": "2026-08-20", "criticism_area": "Bemanning", "criticism": "För få nattetid"}
    engine = registry(_permit(BETA, "valid", "2026-09-01", **criticism), _permit(BETA, "valid", **criticism),
                      _permit(ALFA, "valid"), kind="permits")
    (finding,) = detect(engine, shipped_rule("ivo_criticism"))
    assert render_detail(finding.detail) == "IVO kritiserade HVB Solgläntan 2026-08-20 (Bemanning), i registret 2026-09-01"
