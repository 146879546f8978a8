"""What SQLite columns of mixed storage classes become, said by the plan as it happens: blobs
mixed with other classes become the bytes of each value's text (classes no longer told apart,
verify comparing bytes; -0.0's sign kept), and reals among integers past 2^53 their shortest
round-trip text, not their exact value."""

from __future__ import annotations

from pathlib import Path

import arrowmig
from arrowmig.migrate import explain
from tests.dbutil import duckdb_rows, sqlite_table


def test_mixed_classes_become_the_bytes_of_their_text_and_the_plan_says_so(
    tmp_path: Path,
) -> None:
    rows = [(1, 1), (2, "1"), (3, b"1"), (4, 1.0), (5, b"\xde\xad"), (6, -0.0), (7, 0.1 + 0.2)]
    source = sqlite_table(tmp_path / "s.db", "CREATE TABLE m (id INTEGER PRIMARY KEY, v)", rows)
    target = str(tmp_path / "t.duckdb")
    flags = explain(source, target).to_dict()["tables"][0]["columns"][1]["flags"]
    assert len(flags) == 1
    assert "an integer as the bytes of its decimal text (1 as b'1')" in flags[0]
    assert "the integer 1, the text '1' and the blob x'31' are all b'1'" in flags[0]
    assert "verify, comparing bytes, sees no difference" in flags[0]
    report = arrowmig.migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    assert [v for _, v in duckdb_rows(target, "m", "id")] == [
        b"1",
        b"1",
        b"1",
        b"1.0",
        b"\xde\xad",
        b"-0.0",
        b"0.30000000000000004",
    ]


def test_a_real_among_big_integers_is_said_to_be_its_round_trip_text(tmp_path: Path) -> None:
    # SQLite stores the literal 18446744073709551615 as the REAL 2^64, given here.
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, ubig UNSIGNED BIG INT)",
        [(1, float(2**64)), (2, 2**63 - 1), (3, 123)],
    )
    target = str(tmp_path / "t.duckdb")
    flags = explain(source, target).to_dict()["tables"][0]["columns"][1]["flags"]
    assert any("each real its round-trip text as SQLite writes it" in f for f in flags), flags
    assert any("not its exact value 18446744073709551616" in f for f in flags), flags
    report = arrowmig.migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    assert duckdb_rows(target, "t", "id") == [
        (1, "1.8446744073709552e+19"),
        (2, "9223372036854775807"),
        (3, "123"),
    ]
