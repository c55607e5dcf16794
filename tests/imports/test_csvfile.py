"""Reading the file itself: which separator it uses, told from the header as the csv module reads it."""

from __future__ import annotations

import pytest

from monitor.imports import SPECS, import_csv
from monitor.imports.csvfile import open_csv
from monitor.imports.mapping import ColumnMapping
from tests.conftest import BERTIL, SUSPECT

HEADERS = [
    ("comma", "a,b,c", ["a", "b", "c"]),
    ("semicolon", "a;b;c", ["a", "b", "c"]),
    ("tab", "a\tb\tc", ["a", "b", "c"]),
    ("quoted_semicolons_in_a_comma_file", 'a,"b; c; d; e"', ["a", "b; c; d; e"]),
    ("quoted_commas_in_a_semicolon_file", 'a;"b, c, d, e"', ["a", "b, c, d, e"]),
    ("doubled_quotes_in_a_name", 'a;"b ""c"", d";e', ["a", 'b "c", d', "e"]),
    ("unquoted_comma_in_a_semicolon_file", "a;b, c;d", ["a", "b, c", "d"]),
    ("one_column", "a", ["a"]),
]


@pytest.mark.parametrize(("header", "columns"), [h[1:] for h in HEADERS], ids=[h[0] for h in HEADERS])
def test_it_reads_the_header_with_the_separator_the_file_uses(tmp_path, header, columns):
    path = tmp_path / "f.csv"
    path.write_text(header + "\n", encoding="utf-8")
    with path.open("rb") as raw:
        assert open_csv(path, raw).header == columns


def test_it_imports_a_comma_file_with_semicolons_in_a_quoted_header(with_suppliers, tmp_path, pseudonymise):
    header = "Anhörig till (personnummer; flera; åtskilda med ;)"
    path = tmp_path / "staff.csv"
    path.write_text(f'staff_id,supplier_org_number,"{header}"\nS1,{SUSPECT["org_number"]},{BERTIL}\n',
                    encoding="utf-8")
    mapping = ColumnMapping(columns={"relative_of_client_ids": header})
    result = import_csv(with_suppliers, SPECS["staff"], path, pseudonymise=pseudonymise, mapping=mapping)
    assert (result.rows_accepted, result.rows_rejected) == (1, 0)
