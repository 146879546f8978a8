"""Under ``--no-profile`` a value of another storage class than its column is read as stops
its table, rather than be converted without a word; and verify tells a SQLite blob from the
text its bytes spell.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arrowmig import migrate, verify
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.python_words import in_python_words
from tests.dbutil import duckdb_exec, duckdb_rows, sqlite_table

_HINT = "run without --no-profile, so that arrowmig picks the column's type from its values"


@pytest.mark.parametrize(
    ("declared", "first", "other", "said"),
    [
        ("TEXT", "a", b"a", "a blob of 1 bytes (id 2), which its declared type TEXT does not "
         "read as string"),
        ("VARCHAR(5)", "abc", b"hi", "a blob of 2 bytes (id 2), which its declared type "
         "VARCHAR(5) does not read as string"),
        ("", "A", b"A", "a blob of 1 bytes (id 2), which its declared type untyped does not "
         "read as string"),
        ("BOOLEAN", 1, 2, "the integer 2 (id 2), which its declared type BOOLEAN does not read "
         "as bool"),
        ("BOOLEAN", 1, b"\x01", "a blob of 1 bytes (id 2), which its declared type BOOLEAN does "
         "not read as bool"),
        ("BLOB", b"\x00", "abc", "'abc' (id 2), which its declared type BLOB does not read as "
         "binary"),
        ("BLOB", b"\x00", 42, "the integer 42 (id 2), which its declared type BLOB does not "
         "read as binary"),
        # The driver read text and blobs as doubles: 'abc', '' and x'41' as 0.0, '1.5x' as 1.5.
        ("REAL", 7.25, "1.5x", "'1.5x' (id 2), which its declared type REAL does not read as "
         "double"),
        ("DOUBLE", 7.25, "", "'' (id 2), which its declared type DOUBLE does not read as "
         "double"),
        ("FLOAT", 7.25, "N/A", "'N/A' (id 2), which its declared type FLOAT does not read as "
         "double"),
        ("REAL", 7.25, b"A", "a blob of 1 bytes (id 2), which its declared type REAL does not "
         "read as double"),
        # The driver's int64 read refuses another class itself.
        ("INTEGER", 5, "abc", "'abc' (id 2), which its declared type INTEGER does not read as "
         "int64"),
        ("INTEGER", 5, b"A", "a blob of 1 bytes (id 2), which its declared type INTEGER does "
         "not read as int64"),
    ],
)  # fmt: skip
def test_a_value_the_declared_type_would_convert_stops_its_table(
    tmp_path: Path, declared: str, first: object, other: object, said: str
) -> None:
    # The driver handed x'61' over as 'a', 'abc' as b'abc', 42 as b'42', and Arrow's cast
    # made 2 true: each arrived as another value, the run said done and exited 0.
    db = sqlite_table(
        tmp_path / "s.db",
        f"CREATE TABLE t (id INTEGER PRIMARY KEY, v {declared})",
        [(1, first), (2, other), (3, None)],
    )
    target = tmp_path / "t.duckdb"
    report = migrate(db, str(target), config=MigrationConfig(profile=False))
    assert not report.ok
    assert report.tables[0].error == f"table 't', column 'v' holds {said}; {in_python_words(_HINT)}"


@pytest.mark.parametrize(
    ("declared", "other", "said"),
    [
        ("REAL", "12 apples", "table 't', column 'v' holds '12 apples' (id 2501)"),
        ("INTEGER", "12 apples", "table 't': a value's storage class differs from the declared"),
    ],
)
def test_a_value_of_another_class_past_the_first_batch_stops_its_table(
    tmp_path: Path, declared: str, other: str, said: str
) -> None:
    # Past the first batch the driver's types are fixed: its double read took '12 apples'
    # as 12 without a word; its int64 read stops on it ("Type mismatch").
    rows: list[tuple[object, ...]] = [(i, i) for i in range(1, 2501)]
    db = sqlite_table(
        tmp_path / "s.db",
        f"CREATE TABLE t (id INTEGER PRIMARY KEY, v {declared})",
        [*rows, (2501, other), (2502, 3)],
    )
    target = tmp_path / "t.duckdb"
    config = MigrationConfig(profile=False, batch=BatchConfig(batch_rows=1000))
    report = migrate(db, str(target), config=config)
    assert not report.ok
    assert (report.tables[0].error or "").startswith(said), report.tables[0].error


def test_values_of_the_declared_class_still_load_without_a_profile(tmp_path: Path) -> None:
    db = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, u, f BOOLEAN, b BLOB, r REAL)",
        [
            (1, "a", 5, 1, b"\x00", 1.5),
            (2, None, 2.5, 0, None, -2),  # an integer, stored by REAL affinity as a real
            (3, "c", "x", None, b"", " 1e3 "),  # numeric text, stored as a real too
            (4, "d", 1, "true", None, None),  # boolean words as text loaded without a profile too
            (5, "e", 1, "false", None, float("-inf")),
        ],
    )
    target = tmp_path / "t.duckdb"
    report = migrate(db, str(target), config=MigrationConfig(profile=False))
    assert report.ok, [t.error for t in report.tables]
    assert duckdb_rows(target, "t", "id") == [
        (1, "a", "5", True, b"\x00", 1.5),
        (2, None, "2.5", False, None, -2.0),
        (3, "c", "x", None, b"", 1000.0),
        (4, "d", "1", True, None, None),
        (5, "e", "1", False, None, float("-inf")),
    ]


def test_verify_tells_a_blob_from_the_text_its_bytes_spell(tmp_path: Path) -> None:
    # x'41' = 'A' is false in SQLite: a copy holding 'A' for both rows lost one value, which
    # verify, comparing the blob's bytes with the text's, called a match.
    db = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, x, n TEXT)",
        [(1, "A", "a"), (2, b"A", "b")],
    )
    target = tmp_path / "t.duckdb"
    duckdb_exec(
        target,
        "CREATE TABLE t (id BIGINT PRIMARY KEY, x VARCHAR, n VARCHAR);"
        "INSERT INTO t VALUES (1, 'A', 'a'), (2, 'A', 'b')",
    )
    report = verify(db, str(target))
    table = report.tables[0]
    assert not report.ok and table.differing_columns == ["x"]
    assert "blobs of the source are text in the target" in str(table.to_dict()), table.to_dict()
    # The profiled copy keeps the blob as bytes (the text too, as the plan says): a match.
    copy = tmp_path / "c.duckdb"
    assert migrate(db, str(copy)).ok
    assert verify(db, str(copy)).ok


def test_a_blob_cast_to_text_under_lowered_names_is_no_difference(tmp_path: Path) -> None:
    # The run's casts are recorded by the source's column name ('Doc'); the check looked
    # them up by the target's ('doc') and called the cast column a difference.
    db = sqlite_table(
        tmp_path / "s.db",
        'CREATE TABLE "T" (id INTEGER PRIMARY KEY, "Doc" TEXT)',
        [(1, "AB"), (2, b"AB")],
    )
    target = str(tmp_path / "t.duckdb")
    config = MigrationConfig(casts=("T.Doc=text",), target_names="lower")
    assert migrate(db, target, config=config).ok
    report = verify(db, target)
    assert report.ok, report.tables[0].to_dict()
