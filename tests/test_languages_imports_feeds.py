"""One language per run for import, imports, rekey, digest, init, demo and feeds: Swedish by
default, English with --lang en, the right plural for one and many, and no parts that count 0."""

from __future__ import annotations

from pathlib import Path

from monitor.config import PROJECT_DIR
from tests import test_pseudonym_keys
from tests.conftest import HONEST, SUSPECT, TEST_KEY, invoke, supplier_row

# The fixtures of test_pseudonym_keys (every kind of export with client ids imported).
files, imported = test_pseudonym_keys.files, test_pseudonym_keys.imported

FEEDS = PROJECT_DIR / "tests" / "data" / "feeds"
LOOPBACK = {"MONITOR_FEEDS_ALLOW_PRIVATE_NETWORKS": "1"}


def both(env: dict[str, str], *args: str) -> tuple[str, str]:
    """The output of the same command in the default language and in English."""
    return invoke(env, *args).output, invoke(env, "--lang", "en", *args).output


def flat(text: str) -> str:
    """The output with its line breaks and table padding folded, as a reader reads it."""
    return " ".join(text.split())


def test_import_says_how_many_rows_it_read_in_swedish_and_in_english(env, write_csv):
    one = write_csv("one.csv", [supplier_row(**HONEST)])
    two = write_csv("two.csv", [supplier_row(**HONEST), supplier_row(**SUSPECT)])
    assert "one.csv: 1 av 1 rad lästes in (1 ny eller ändrad)" in invoke(env, "import", "suppliers", str(one)).output
    sv, en = both(env, "import", "suppliers", str(two))
    assert "two.csv: 2 av 2 rader lästes in (1 ny eller ändrad)" in sv and "applied" not in sv
    assert "two.csv: 2 of 2 rows applied (0 new or changed)" in en and "lästes" not in en
    assert "1 of 1 row applied" in invoke(env, "--lang", "en", "import", "suppliers", str(one)).output


def test_import_with_rejected_rows_warns_in_the_runs_language(env, write_csv):
    path = write_csv("s.csv", [supplier_row(**HONEST), supplier_row("123", "Fel AB")])
    sv, en = both(env, "import", "suppliers", str(path), "--strict")
    assert "Inget lästes in (--strict): 1 av 2 rader avvisades" in sv
    assert "innehåller personuppgifter" in flat(sv) and "personal data" not in flat(sv)
    assert "Nothing applied (--strict): 1 of 2 rows rejected" in en
    assert "holds personal data" in flat(en) and "personuppgifter" not in flat(en)
    # The reasons stay English whatever the language, as every error line does.
    assert "s.csv:3: column org_number: invalid organisation number" in sv


def test_imports_lists_the_files_with_swedish_headers_and_states(env, write_csv):
    invoke(env, "import", "suppliers", str(write_csv("s.csv", [supplier_row(**HONEST)])))
    sv, en = both(env, "imports")
    assert "Inläsningar, senaste först (1 fil)" in sv and "Avvisade" in sv and "inläst" in sv
    assert "Imports, newest first (1 file)" in en and "rejected" in en and "Avvisade" not in en
    invoke(env, "import", "suppliers", str(write_csv("t.csv", [supplier_row(**SUSPECT)])))
    assert "Inläsningar, senaste först (2 filer)" in invoke(env, "imports").output
    assert "Imports, newest first (2 files)" in invoke(env, "--lang", "en", "imports").output


def test_rekey_counts_what_it_rewrote_with_the_right_plurals(imported, files, tmp_path):
    key_file = tmp_path / "new.key"
    key_file.write_text(test_pseudonym_keys.NEW_KEY + "\n", encoding="utf-8")
    args = ["--client-ids", str(files["visits"]), "--client-ids", str(files["client-events"]),
            "--client-ids", str(files["staff"])]
    sv = test_pseudonym_keys.invoke(imported, "rekey", "--new-key-file", str(key_file), *args).output
    assert ("Bytte till den nya nyckeln för 2 brukarpseudonymer (2 besök, 1 brukarhändelse och 1 personalrad)"
            in flat(sv)) and "Rotated" not in sv
    # Back again, in English: the new key is now the current one.
    old_file = tmp_path / "old.key"
    old_file.write_text(TEST_KEY + "\n", encoding="utf-8")
    en = test_pseudonym_keys.invoke(imported, "--lang", "en", "rekey", "--new-key-file", str(old_file), *args,
                                    key=test_pseudonym_keys.NEW_KEY).output
    assert "Rotated 2 client pseudonyms (2 visits, 1 client event and 1 staff row) to the new key" in flat(en)
    assert "brukar" not in en


def test_digest_says_where_it_went_and_that_it_went_already(scored):
    sent = invoke(scored, "digest").output
    assert "Veckosammanställningen för" in sent and "har levererats till" in sent and "Digest" not in sent
    assert "leverantör med)" in sent or "leverantörer med)" in sent
    again = invoke(scored, "--lang", "en", "digest").output
    assert "was already delivered; --force sends it again" in again and "redan" not in again
    assert "är redan levererad; --force skickar den igen" in invoke(scored, "digest").output
    forced = invoke(scored, "--lang", "en", "digest", "--force").output
    assert "Digest for" in forced and "listed) delivered to" in forced


def test_init_says_whether_it_upgraded_the_database(tmp_path):
    fresh = {"MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    assert "är uppgraderad (schemaversion" in invoke(fresh, "init").output
    sv, en = both(fresh, "init")
    assert "är redan aktuell (schemaversion" in sv and "up to date" not in sv
    assert "Already up to date: database" in en and "(schema revision" in en and "aktuell" not in en


def test_feeds_check_counts_the_feeds_in_the_runs_language(tmp_path, news_server):
    path = feeds_file(tmp_path, news_server.url_for("/feed"))
    sv, en = (flat(out) for out in both(LOOPBACK, "--feeds-file", str(path), "feeds", "check"))
    assert sv == f"1 flöde OK i {path} (1 påslaget)"
    assert en == f"1 feed OK in {path} (1 enabled)"
    shipped = flat(invoke({}, "--feeds-file", str(PROJECT_DIR / "feeds.yaml"), "feeds", "check").output)
    assert "6 flöden OK i" in shipped and "och ett sökflöde per leverantör" in shipped


def test_feeds_poll_and_status_speak_swedish_by_default(db_url, tmp_path, news_server):
    path = feeds_file(tmp_path, news_server.url_for("/feed"))
    args = ["--db", db_url, "--feeds-file", str(path), "feeds"]
    polled = flat(invoke(LOOPBACK, *args, "poll").output)
    # Nothing failed and nothing was updated: those parts are left out.
    assert "Hämtade 1 flöde: 1 OK. Artiklar: 3 nya." in polled
    assert "misslyckades" not in polled and "uppdaterade" not in polled and "Polled" not in polled
    again = flat(invoke(LOOPBACK, "--lang", "en", *args, "poll", "--all").output)
    assert "Polled 1 feed: 1 OK" in again and "Articles: 0 new." in again and "failed" not in again
    status = flat(invoke(LOOPBACK, *args, "status").output)
    assert "Tillstånd" in status and "Nästa kontroll" in status and "│ Nyheter │ fungerar │" in status
    assert "healthy" not in status and "Next check" not in status
    status_en = flat(invoke(LOOPBACK, "--lang", "en", *args, "status").output)
    assert "State" in status_en and "│ Nyheter │ healthy │" in status_en and "fungerar" not in status_en


def test_feeds_poll_and_status_of_the_shipped_examples_in_both_languages(db_url):
    args = ["--db", db_url, "--feeds-file", str(PROJECT_DIR / "feeds.yaml"), "feeds"]
    sv, en = (flat(out) for out in both({}, *args, "poll"))
    assert "Inget flöde hämtat: alla flöden i" in sv and "(6 listade," in sv
    assert "No feed polled: every feed in" in en and "(6 listed," in en
    sv, en = (flat(out) for out in both({}, *args, "status"))
    assert "avstängt" in sv and "7 avstängda exempelflöden i" in sv and "example" not in sv
    assert "disabled" in en and "7 disabled example feeds in" in en and "exempel" not in en


def test_the_demo_speaks_swedish_by_default_and_english_when_asked(tmp_path):
    def run(*args: str) -> str:
        directory = tmp_path / "-".join(args or ("sv",))
        result = invoke({}, *args, "demo", "--dir", str(directory), "--scale", "0.05", "--weeks", "1")
        assert result.exit_code == 0, result.output
        return flat(result.output)

    sv, en = run(), run("--lang", "en")
    assert "Skapar demokommunen i" in sv and "(frö 2026)" in sv and "Utkorg:" in sv
    assert "Hämtade 3 nyhetsflöden:" in sv and "artiklar i databasen" in sv and "lästes in" in sv
    assert "Generating" not in sv and "Outbox:" not in sv and "Polled" not in sv and "rows applied" not in sv
    assert "Generating the demo municipality in" in en and "(seed 2026)" in en and "Outbox:" in en
    assert "Polled 3 news feeds:" in en and "rows applied" in en
    assert "Skapar" not in en and "Utkorg" not in en and "lästes in" not in en


def feeds_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(f"feeds:\n  - name: Nyheter\n    url: '{url}'\n", encoding="utf-8")
    return path
