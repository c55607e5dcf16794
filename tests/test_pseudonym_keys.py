"""The pseudonym key as an operator meets it: a database remembers which key built it, refuses
another one and weak ones, and moves to a new key only when told to (`monitor rekey`)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from monitor.cli import app
from monitor.db import make_engine
from monitor.imports import SPECS, import_csv
from monitor.keycheck import (
    KEY_CHECK_NAME,
    PseudonymKeyError,
    claim_or_verify_key,
    key_check_value,
    lock_key_check,
    replace_key_check,
)
from monitor.models import ClientEvent, MetaValue, Staff, Visit
from monitor.pseudonyms import Pseudonymiser
from tests.conftest import ASTRID, BERTIL, BERTIL_HOME, HONEST, SUSPECT, TEST_KEY, supplier_row, visit_row

runner = CliRunner()
NEW_KEY = "the-new-pseudonym-key-after-rotation"
OTHER_KEY = "some-other-pseudonym-key-0123456789"


def invoke(env, *args, key: str | None = TEST_KEY):
    env = {**env, "MONITOR_PSEUDONYM_KEY": key}  # None: unset
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def files(write_csv):
    """The exports: Hemtjänst Beta's carer S1 visits Astrid during her hospital stay, and is
    listed as Bertil's relative; Omsorg Alfa visits Bertil."""
    return {
        "suppliers": write_csv("suppliers.csv", [supplier_row(**HONEST), supplier_row(**SUSPECT)]),
        "staff": write_csv("staff.csv", [{"staff_id": "S1", "supplier_org_number": SUSPECT["org_number"],
                                          "relative_of_client_ids": BERTIL}]),
        "client-events": write_csv("events.csv", [{"client_id": ASTRID, "event": "hospitalized",
                                                   "start": "2026-10-05 10:00", "end": "2026-10-09 12:00"}]),
        "visits": write_csv("visits.csv", [
            visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30"),
            visit_row("V2", "2026-10-06 09:00", "2026-10-06 09:30", client_id=BERTIL, address=BERTIL_HOME,
                      supplier_org_number=HONEST["org_number"]),
        ]),
    }


@pytest.fixture
def imported(env, files):
    for kind in ("suppliers", "staff", "client-events", "visits"):
        result = invoke(env, "import", kind, str(files[kind]))
        assert result.exit_code == 0, result.output
    return env


def snapshot(db_url: str) -> dict[str, list]:
    """What a key change could alter: every pseudonym, and the stored key check."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        state = {
            "visits": sorted(conn.execute(select(Visit.visit_id, Visit.client_ref)).all()),
            "events": sorted(conn.execute(select(ClientEvent.client_ref, ClientEvent.event)).all()),
            "staff": sorted((s, json.dumps(r)) for s, r in conn.execute(select(Staff.staff_id, Staff.relative_of_client_refs))),
            "meta": sorted(conn.execute(select(MetaValue.name, MetaValue.value)).all()),
        }
    engine.dispose()
    return state


def stored_check(db_url: str) -> str | None:
    return dict(snapshot(db_url)["meta"]).get(KEY_CHECK_NAME)


def reasons(env, key: str | None = TEST_KEY) -> dict[str, set[str]]:
    assert invoke(env, "score", key=key).exit_code == 0
    rows = json.loads(invoke(env, "rank", "--format", "json", key=key).stdout)
    return {r["org_number"]: {reason["id"] for reason in r["reasons"]} for r in rows}


def test_the_first_import_with_client_ids_stores_a_check_value_that_is_not_the_key(env, files, db_url):
    invoke(env, "import", "suppliers", str(files["suppliers"]))
    assert stored_check(db_url) is None  # the supplier register holds no client ids
    assert invoke(env, "import", "visits", str(files["visits"])).exit_code == 0
    check = stored_check(db_url)
    assert check == key_check_value(TEST_KEY.encode()) and len(check) == 64
    assert TEST_KEY not in check and TEST_KEY.encode().hex() not in check


@pytest.mark.parametrize("kind", ["visits", "client-events", "staff"])
def test_an_import_under_another_key_is_refused_and_changes_nothing(imported, files, db_url, write_csv, kind):
    before = snapshot(db_url)
    result = invoke(imported, "import", kind, str(files[kind]), key=OTHER_KEY)
    assert result.exit_code == 2
    assert "not the key this database was built with" in result.output and "monitor rekey" in result.output
    assert OTHER_KEY not in result.output and len(result.output.strip().splitlines()) == 1
    assert snapshot(db_url) == before


def test_a_new_file_under_another_key_adds_no_row(imported, db_url, write_csv):
    path = write_csv("more.csv", [visit_row("V3", "2026-10-07 08:00", "2026-10-07 08:30")])
    assert invoke(imported, "import", "visits", str(path), key=OTHER_KEY).exit_code == 2
    assert [v for v, _ in snapshot(db_url)["visits"]] == ["V1", "V2"]


def test_the_same_key_imports_again_and_changes_nothing(imported, files):
    result = invoke(imported, "import", "visits", str(files["visits"]))
    assert result.exit_code == 0 and "(0 nya eller ändrade)" in result.output


@pytest.mark.parametrize("key", ["short-key", " " * 24, "\t \n" * 8],
                         ids=["shorter_than_16_bytes", "spaces_only", "whitespace_only"])
def test_a_weak_key_is_refused_before_anything_is_stored(env, files, db_url, key):
    invoke(env, "import", "suppliers", str(files["suppliers"]))
    result = invoke(env, "import", "visits", str(files["visits"]), key=key)
    assert result.exit_code == 2 and "MONITOR_PSEUDONYM_KEY is" in result.output
    assert "at least 16" in result.output and "Traceback" not in result.output
    assert snapshot(db_url)["visits"] == [] and stored_check(db_url) is None


def test_commands_without_client_data_need_no_key(imported, files):
    observation = files["visits"].with_name("observations.csv")
    observation.write_text("observation_id,address,observed_from,observed_to,staff_seen\n"
                           "O1,Testgatan 1,2026-10-06 07:30,2026-10-06 09:00,nej\n", encoding="utf-8")
    for args in (["import", "suppliers", str(files["suppliers"])], ["import", "observations", str(observation)],
                 ["score"], ["rank"], ["explain", SUSPECT["org_number"]], ["rules", "list"], ["digest"]):
        result = invoke(imported, *args, key=None)
        assert result.exit_code == 0, (args, result.output)


def test_rekey_rotates_every_pseudonym_and_the_data_still_joins(imported, files, db_url, tmp_path):
    assert "visit-during-absence" in reasons(imported)[SUSPECT["org_number"]]
    before = snapshot(db_url)
    key_file = tmp_path / "new.key"
    key_file.write_text(NEW_KEY + "\n", encoding="utf-8")
    result = invoke(imported, "rekey", "--new-key-file", str(key_file), "--client-ids", str(files["visits"]),
                    "--client-ids", str(files["client-events"]), "--client-ids", str(files["staff"]))
    assert result.exit_code == 0, result.output
    assert ("Bytte till den nya nyckeln för 2 brukarpseudonymer (2 besök, 1 brukarhändelse och 1 personalrad)"
            in result.output)
    after = snapshot(db_url)
    assert stored_check(db_url) == key_check_value(NEW_KEY.encode())
    new = Pseudonymiser(NEW_KEY.encode())
    assert after["visits"] == [("V1", new(ASTRID)), ("V2", new(BERTIL))] != before["visits"]
    assert after["staff"] == [("S1", json.dumps([new(BERTIL)]))]
    for kind in ("staff", "client-events", "visits"):
        again = invoke(imported, "import", kind, str(files[kind]), key=NEW_KEY)
        assert again.exit_code == 0 and "(0 nya eller ändrade)" in again.output, again.output
    assert invoke(imported, "import", "visits", str(files["visits"])).exit_code == 2  # the old key is refused now
    assert "visit-during-absence" in reasons(imported, key=NEW_KEY)[SUSPECT["org_number"]]


def test_rekey_with_a_client_missing_from_the_files_changes_nothing(imported, files, db_url, tmp_path):
    before = snapshot(db_url)
    key_file = tmp_path / "new.key"
    key_file.write_text(NEW_KEY, encoding="utf-8")
    result = invoke(imported, "rekey", "--new-key-file", str(key_file), "--client-ids", str(files["client-events"]))
    assert result.exit_code == 2
    assert "1 of 2 client pseudonyms in the database have no client id in the files given: nothing changed" \
        in result.output
    assert ASTRID not in result.output and BERTIL not in result.output
    assert snapshot(db_url) == before


def test_rekey_under_a_key_that_did_not_build_the_database_is_refused(imported, files, db_url, tmp_path):
    before = snapshot(db_url)
    key_file = tmp_path / "new.key"
    key_file.write_text(NEW_KEY, encoding="utf-8")
    result = invoke(imported, "rekey", "--new-key-file", str(key_file), "--client-ids", str(files["visits"]),
                    "--client-ids", str(files["staff"]), key=OTHER_KEY)
    assert result.exit_code == 2 and "not the key this database was built with" in result.output
    assert snapshot(db_url) == before


@pytest.mark.parametrize(("content", "message"), [("tiny", "too short"), (TEST_KEY, "already in use")],
                         ids=["weak", "same_as_the_current_one"])
def test_rekey_refuses_a_new_key_that_is_weak_or_the_same(imported, files, db_url, tmp_path, content, message):
    before = snapshot(db_url)
    key_file = tmp_path / "new.key"
    key_file.write_text(content, encoding="utf-8")
    result = invoke(imported, "rekey", "--new-key-file", str(key_file), "--client-ids", str(files["visits"]),
                    "--client-ids", str(files["staff"]))
    assert result.exit_code == 2 and message in result.output
    assert snapshot(db_url) == before


def test_rekey_explains_itself():
    result = runner.invoke(app, ["rekey", "--help"])
    assert result.exit_code == 0 and "--client-ids" in result.output


def test_of_two_first_claims_with_different_keys_the_second_waits_and_loses(engine, db_url):
    first, second = key_check_value(b"first-key-0123456789"), key_check_value(b"second-key-0123456789")
    outcome: list[object] = []

    def claim_second() -> None:
        try:
            with engine.begin() as conn:
                claim_or_verify_key(conn, second)
            outcome.append("won")
        except PseudonymKeyError as exc:
            outcome.append(exc)

    with engine.connect() as conn:
        conn.begin()
        claim_or_verify_key(conn, first)  # claimed, not yet committed
        racer = threading.Thread(target=claim_second)
        racer.start()
        time.sleep(0.5)
        assert racer.is_alive()  # waits for the first claim's transaction
        conn.commit()
    racer.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], PseudonymKeyError)
    assert stored_check(db_url) == first


def test_two_first_imports_at_once_with_different_keys_exactly_one_wins(with_suppliers, write_csv, db_url):
    path = write_csv("v.csv", [visit_row("V1", "2026-10-06 08:00", "2026-10-06 08:30")])
    keys = [b"first-key-0123456789", b"second-key-0123456789"]
    start, outcomes = threading.Barrier(2), {}

    def run(key: bytes) -> None:
        start.wait()
        try:
            import_csv(with_suppliers, SPECS["visits"], path, pseudonymise=Pseudonymiser(key))
            outcomes[key] = "won"
        except PseudonymKeyError:
            outcomes[key] = "refused"

    threads = [threading.Thread(target=run, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes.values()) == ["refused", "won"]
    winner = next(k for k, v in outcomes.items() if v == "won")
    assert stored_check(db_url) == key_check_value(winner)
    assert snapshot(db_url)["visits"] == [("V1", Pseudonymiser(winner)(ASTRID))]


def test_an_import_that_starts_while_a_rotation_runs_waits_and_is_then_refused(imported, with_suppliers, write_csv,
                                                                                db_url):
    path = write_csv("late.csv", [visit_row("V3", "2026-10-07 08:00", "2026-10-07 08:30")])
    outcome: list[object] = []

    def import_under_the_old_key() -> None:
        try:
            import_csv(with_suppliers, SPECS["visits"], path, pseudonymise=Pseudonymiser(TEST_KEY.encode()))
            outcome.append("imported")
        except PseudonymKeyError as exc:
            outcome.append(exc)

    with with_suppliers.connect() as conn:
        conn.begin()
        lock_key_check(conn)  # what `monitor rekey` does first
        replace_key_check(conn, key_check_value(NEW_KEY.encode()))
        late = threading.Thread(target=import_under_the_old_key)
        late.start()
        time.sleep(0.5)
        assert late.is_alive()
        conn.commit()
    late.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], PseudonymKeyError)
    assert "V3" not in [v for v, _ in snapshot(db_url)["visits"]]


def test_rekey_rewrites_board_members_so_snapshots_after_it_still_compare(imported, files, db_url, tmp_path,
                                                                          write_csv):
    from monitor.models import RegistrySnapshot

    board = {"org_number": SUSPECT["org_number"], "board_members": "19700101-0003;19710101-0013",
             "signatories": "19700101-0003"}
    registry = write_csv("registry.csv", [{**board, "snapshot_date": "2026-09-01"}])
    assert invoke(imported, "import", "registry", str(registry)).exit_code == 0
    key_file = tmp_path / "new.key"
    key_file.write_text(NEW_KEY, encoding="utf-8")
    without = invoke(imported, "rekey", "--new-key-file", str(key_file), "--client-ids", str(files["visits"]),
                     "--client-ids", str(files["client-events"]), "--client-ids", str(files["staff"]))
    assert without.exit_code == 2 and "2 of 4 client pseudonyms" in without.output
    result = invoke(imported, "rekey", "--new-key-file", str(key_file), "--client-ids", str(files["visits"]),
                    "--client-ids", str(files["client-events"]), "--client-ids", str(files["staff"]),
                    "--client-ids", str(registry))
    assert result.exit_code == 0, result.output
    new = Pseudonymiser(NEW_KEY.encode())
    engine = make_engine(db_url)
    with engine.connect() as conn:
        (row,) = conn.execute(select(RegistrySnapshot.board_refs, RegistrySnapshot.signatory_refs)).all()
    engine.dispose()
    assert row.board_refs == sorted([new("19700101-0003"), new("19710101-0013")])
    assert row.signatory_refs == [new("19700101-0003")]
    # The next snapshot under the new key holds the same board, not two people replaced.
    later = write_csv("registry2.csv", [{**board, "snapshot_date": "2026-10-01"}])
    assert invoke(imported, "import", "registry", str(later), key=NEW_KEY).exit_code == 0
    engine = make_engine(db_url)
    with engine.connect() as conn:
        boards = conn.execute(select(RegistrySnapshot.board_refs)).scalars().all()
    engine.dispose()
    assert len(boards) == 2 and boards[0] == boards[1]
