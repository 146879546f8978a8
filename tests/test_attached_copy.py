"""SQLite → SQLite: each column declared as in the source and each value copied by SQLite
itself, keeping its storage class and its exact text. On the Arrow path a DECIMAL(5,2)
column of reals arrived as text ('9.99' > '11.99'), and a DATETIME text as another text
('2009-01-05 00:00:00' became '2009-01-05 00:00:00.000000', so lookups in the application's
own format found nothing)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from arrowmig import migrate
from arrowmig.attached_copy import ATTACHED_NOTE
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.errors import SchemaError
from arrowmig.events import Event
from arrowmig.verifier import verify

CHINOOKISH = """
CREATE TABLE invoice (
    invoice_id INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_date DATETIME NOT NULL,
    total NUMERIC(10,2) NOT NULL,
    price DECIMAL(5,2),
    anything,
    note VARCHAR(10),
    picture BLOB,
    flag BOOLEAN
);
"""

ROWS = [
    (1, "2009-01-05 00:00:00", 1.98, 0.99, 1, "a note that is longer than ten", None, 1),
    (2, "1996-07-04 00:00:00.000", 13.86, 9.99, "text", "x", b"\x00\xff\x00", 0),
    (3, "2009-01-05T10:00:00", 11.99, 11.99, 2.5, None, b"", None),
    (4, "not a date at all", 0.0, 0, b"\x01blob", "", None, "yes"),
    (7, "2010-02-03", 100, None, None, "ü 日本 😀", None, 1),
]


def build(path: Path, rows: list[tuple[object, ...]] = ROWS) -> None:
    con = sqlite3.connect(path)
    con.executescript(CHINOOKISH)
    con.executemany("INSERT INTO invoice VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("DELETE FROM invoice WHERE invoice_id = 7")  # its id is not handed out again
    con.execute("INSERT INTO invoice VALUES (5, '2011-01-01', 1, 1, NULL, NULL, NULL, NULL)")
    con.commit()
    con.close()


def stored(path: Path, table: str = "invoice") -> list[tuple[object, ...]]:
    """Every value as SQLite stores it: its storage class and its exact SQL literal."""
    con = sqlite3.connect(path)
    names = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
    listed = ", ".join(f'typeof("{n}"), quote("{n}")' for n in names)
    rows = con.execute(f"SELECT rowid, {listed} FROM {table} ORDER BY rowid").fetchall()
    con.close()
    return rows


def declared(path: Path, table: str = "invoice") -> list[tuple[str, str]]:
    con = sqlite3.connect(path)
    found = [(r[1], r[2]) for r in con.execute(f"PRAGMA table_info({table})")]
    con.close()
    return found


def test_every_value_keeps_its_storage_class_and_text(tmp_path: Path) -> None:
    source, target = tmp_path / "chinook.db", tmp_path / "copy.db"
    build(source)
    report = migrate(str(source), str(target))
    assert report.ok
    assert ATTACHED_NOTE in report.tables[0].notes
    assert stored(target) == stored(source)
    assert declared(target) == declared(source)
    con = sqlite3.connect(target)
    # What the application asks of its own data still answers the same.
    assert con.execute("SELECT max(price) FROM invoice").fetchone() == (11.99,)
    assert con.execute(
        "SELECT count(*) FROM invoice WHERE invoice_date = '2009-01-05 00:00:00'"
    ).fetchone() == (1,)
    # AUTOINCREMENT and its counter, past the deleted row's id.
    con.execute("INSERT INTO invoice (invoice_date, total) VALUES ('2012-01-01', 1)")
    assert con.execute("SELECT max(invoice_id) FROM invoice").fetchone() == (8,)
    con.close()


def test_batches_streams_and_gaps_in_the_keys(tmp_path: Path) -> None:
    """Transactions of --batch-rows keys, several streams, and keys far apart: every row
    once, each committed with its checkpoint as it goes."""
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, n NUMERIC)")
    keys = [*range(1, 301), *range(10**6, 10**6 + 50), 2**62, 2**63 - 1]
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(k, f"v{k}", k % 3 or "x") for k in keys])
    con.execute("CREATE TABLE no_key (a, b)")  # rowid only
    con.executemany("INSERT INTO no_key VALUES (?, ?)", [(i, str(i)) for i in range(250)])
    con.commit()
    con.close()
    events: list[Event] = []
    config = MigrationConfig(batch=BatchConfig(batch_rows=40), split_rows=100)
    report = migrate(str(source), str(target), config=config, progress=events.append)
    assert report.ok, report.failed
    assert stored(target, "t") == stored(source, "t")
    # Without an INTEGER PRIMARY KEY the rowid is SQLite's own (VACUUM renumbers it too).
    assert sorted(r[1:] for r in stored(target, "no_key")) == sorted(
        r[1:] for r in stored(source, "no_key")
    )
    per_stream: dict[str, list[int]] = {}
    for e in events:
        if e.event == "progress" and e.table == "t":
            per_stream.setdefault(e.stream or "", []).append(e.batch_rows or 0)
    batches = [rows for stream in per_stream.values() for rows in stream]
    assert len(per_stream) > 1  # several key-range streams
    # Dense keys: --batch-rows keys, --batch-rows rows (the first stream holds keys 1-300).
    assert any(stream[:7] == [40] * 7 for stream in per_stream.values())
    assert sum(batches) == len(keys) and max(batches) <= 2 * 40
    assert len(batches) <= 14  # a gap between keys costs no transaction


def test_a_table_without_rowid_is_copied_whole(tmp_path: Path) -> None:
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v) WITHOUT ROWID")
    con.executemany("INSERT INTO kv VALUES (?, ?)", [("a", 1), ("b", "1"), ("c", 1.0)])
    con.commit()
    con.close()
    report = migrate(str(source), str(target))
    assert report.ok and ATTACHED_NOTE in report.tables[0].notes
    query = "SELECT k, typeof(v), quote(v) FROM kv ORDER BY k"
    assert sqlite3.connect(target).execute(query).fetchall() == [
        ("a", "integer", "1"),
        ("b", "text", "'1'"),
        ("c", "real", "1.0"),
    ]


def test_a_cast_table_takes_the_arrow_path_and_is_converted(tmp_path: Path) -> None:
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    build(source)
    config = MigrationConfig(casts=(("invoice", "flag", "text"),))
    report = migrate(str(source), str(target), config=config)
    assert report.ok
    assert ATTACHED_NOTE not in report.tables[0].notes
    assert ("flag", "TEXT") in declared(target)
    assert ("price", "DECIMAL(5,2)") in declared(target)  # the others keep their declarations


def test_a_cast_says_which_other_columns_lose_their_storage_classes(tmp_path: Path) -> None:
    """A --cast of b sends the table the Arrow way, where a column of integers and texts is
    all made text: the report said so as of any table (``stored as text``), not that the cast
    of another column was why, and verify must not call the copy equal."""
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b REAL)")
    con.executemany("INSERT INTO t (a, b) VALUES (?, ?)", [(1, 1.5), ("x", 2.5), (3, None)])
    con.commit()
    con.close()
    report = migrate(str(source), str(target), config=MigrationConfig(casts=(("t", "b", "text"),)))
    assert report.ok
    (a_note,) = [n for n in report.tables[0].notes if n.startswith("a: ")]
    assert "so changed, by the casts of b" in a_note
    assert not [n for n in report.tables[0].notes if n.startswith("id: ") and "--cast" in n]
    query = "SELECT typeof(a) FROM t ORDER BY id"
    assert sqlite3.connect(target).execute(query).fetchall() == [("text",)] * 3
    checked = verify(str(source), str(target))
    assert not checked.ok
    assert checked.tables[0].differing_columns == ["a"]


@pytest.mark.parametrize("into", ["t.db", "t.duckdb"])
def test_text_cast_to_real_names_the_row_it_cannot_convert(tmp_path: Path, into: str) -> None:
    """Into SQLite the NaN check ran on the text before the cast: the table failed with
    'ArrowNotImplementedError: Function 'is_nan' has no kernel matching input types (string)',
    where DuckDB named the row; --on-error reject could not set the row aside."""
    source, target = tmp_path / "s.db", str(tmp_path / into)
    with sqlite3.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n NUMERIC)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "12"), (2, "abc"), (3, 1.5)])
    config = MigrationConfig(casts=(("t", "n", "real"),))
    (failed,) = migrate(str(source), target, config=config).tables
    assert failed.error is not None
    assert failed.error.startswith(
        "table 't', column 'n', id 2: value does not convert to real: 'abc'; "
    )
    rejecting = replace(config, on_error="reject", reject_dir=str(tmp_path / "rej"), mode="replace")
    (loaded,) = migrate(str(source), target, config=rejecting).tables
    assert (loaded.status, loaded.rows, loaded.rejected) == ("done", 2, 1)
    if into == "t.db":
        with sqlite3.connect(target) as con:
            assert con.execute("SELECT id, n FROM t ORDER BY id").fetchall() == [
                (1, 12.0),
                (3, 1.5),
            ]
    # Text that casts to NaN, which SQLite cannot store (DuckDB can), is named as such.
    with sqlite3.connect(source) as con:
        con.execute("UPDATE t SET n = 'nan' WHERE id = 2")
    (nan,) = migrate(str(source), target, config=replace(config, mode="replace")).tables
    assert ("NaN, which SQLite cannot store" in (nan.error or "")) is (into == "t.db")


@pytest.mark.parametrize("same_types", [True, False])
def test_appending_copies_directly_only_into_the_same_declarations(
    tmp_path: Path, same_types: bool
) -> None:
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    build(source)
    con = sqlite3.connect(target)
    con.executescript(CHINOOKISH if same_types else CHINOOKISH.replace("DECIMAL(5,2)", "TEXT"))
    con.close()
    config = MigrationConfig(mode="append")
    if not same_types:
        # The Arrow way carries `anything` (integers, text, reals, blobs) as bytes, which
        # its untyped column would keep: refused, where the integer 1 became x'31' unsaid.
        with pytest.raises(SchemaError, match="column 'anything' holds values of several"):
            migrate(str(source), str(target), config=config)
        config = replace(config, casts=(("invoice", "anything", "bytea"),))
    report = migrate(str(source), str(target), config=config)
    assert report.ok
    assert (ATTACHED_NOTE in report.tables[0].notes) is same_types
    if same_types:
        assert stored(target) == stored(source)
    else:
        price = sqlite3.connect(target).execute("SELECT price FROM invoice WHERE invoice_id = 2")
        assert price.fetchone() == ("9.99",)  # the target's TEXT column, as it declares


def test_direct_off_sends_the_rows_the_arrow_way(tmp_path: Path) -> None:
    """What ``arrowmig bench`` measures as the columnar path between two SQLite files."""
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    build(source)
    report = migrate(str(source), str(target), config=MigrationConfig(direct=False))
    assert report.ok and ATTACHED_NOTE not in report.tables[0].notes
    assert declared(target) == declared(source)
    assert len(stored(target)) == len(stored(source))


def test_a_utf16_source_takes_the_arrow_path(tmp_path: Path) -> None:
    """SQLite attaches only a file of its own text encoding: every table of a UTF-16 source
    (Windows and Java applications make them) failed to attach."""
    source, target = tmp_path / "u16.db", tmp_path / "t.db"
    con = sqlite3.connect(source)
    con.execute("PRAGMA encoding = 'UTF-16le'")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, d DECIMAL(5,2))")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(1, "héllo 日本", 1.5), (2, "x", 2)])
    con.commit()
    con.close()
    report = migrate(str(source), str(target))
    assert report.ok, report.failed
    assert ATTACHED_NOTE not in report.tables[0].notes
    assert stored(target, "t") == stored(source, "t")


def test_strict_and_without_rowid_tables_are_created_so_again(tmp_path: Path) -> None:
    """A STRICT table's ANY column keeps texts as texts; declared ANY in an ordinary table it
    has NUMERIC affinity, and '0012', '1e3' and ' 7 ' became the integers 12, 1000 and 7."""
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    con = sqlite3.connect(source)
    con.executescript(
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, code ANY, note TEXT) STRICT;"
        "INSERT INTO tags VALUES (1, '0012', 'zip'), (2, '1e3', 't'), (3, 12, 'int'),"
        " (4, x'3132', 'blob'), (5, ' 7 ', 'sp');"
        "CREATE TABLE k (code TEXT PRIMARY KEY, v INT) STRICT, WITHOUT ROWID;"
        "INSERT INTO k VALUES ('0012', 1), ('12', 2);"
    )
    con.close()
    report = migrate(str(source), str(target))
    assert report.ok, report.failed
    assert stored(target, "tags") == stored(source, "tags")
    copy = sqlite3.connect(target)
    listed = (
        "SELECT name, strict, wr FROM pragma_table_list WHERE name IN ('tags', 'k') ORDER BY name"
    )
    assert copy.execute(listed).fetchall() == [("k", 1, 1), ("tags", 1, 0)]
    assert copy.execute("SELECT code, v FROM k ORDER BY code").fetchall() == [
        ("0012", 1),
        ("12", 2),
    ]
    copy.close()


def test_an_integer_primary_key_desc_is_not_made_the_rowid(tmp_path: Path) -> None:
    """SQLite does not make an INTEGER PRIMARY KEY DESC column the rowid: it holds NULLs, and
    an insert without it stores NULL. Created as a table's PRIMARY KEY, it became the rowid,
    and the source's NULL keys were numbered 21 and 22."""
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE m (id INTEGER PRIMARY KEY DESC, v TEXT)")
    con.executemany("INSERT INTO m VALUES (?, ?)", [(10, "a"), (20, "b"), (None, "c"), (None, "d")])
    con.commit()
    con.close()
    report = migrate(str(source), str(target))
    assert report.ok, report.failed
    assert not any("rowid" in note for note in report.tables[0].notes)
    assert sorted(r[1:] for r in stored(target, "m")) == sorted(r[1:] for r in stored(source, "m"))
    copy = sqlite3.connect(target)
    copy.execute("INSERT INTO m (v) VALUES ('new')")
    assert copy.execute("SELECT id FROM m WHERE v = 'new'").fetchone() == (None,)
    copy.close()


def test_closing_one_of_two_workers_connections_does_not_wait_for_the_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A run stopped before its first batch took a minute (SQLite's busy timeout) to exit:
    # the first worker's target connection, closing, waited to put the file's journal mode
    # back while the second worker's, closed next, still had the source attached.
    import time

    from arrowmig.endpoints import sqlite as sqlite_endpoint
    from arrowmig.urls import parse_url

    monkeypatch.setattr(sqlite_endpoint, "BUSY_TIMEOUT_MS", 5_000)  # the wait, were it back
    source, target = tmp_path / "src.db", tmp_path / "out.db"
    build(source)
    sqlite3.connect(target).close()  # its own journal mode: delete
    first, second = (
        sqlite_endpoint.SQLiteEndpoint(parse_url(f"sqlite:///{target}"), create=True)
        for _ in range(2)
    )
    first.attach_source(str(source))
    second.attach_source(str(source))
    began = time.monotonic()
    first.close()
    assert time.monotonic() - began < 2
    second.close()  # the last one puts the file's own journal mode back
    con = sqlite3.connect(target)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    con.close()


def test_no_note_says_mixed_classes_are_stored_as_bytes_where_sqlite_keeps_them(
    tmp_path: Path,
) -> None:
    # The plan's note on the Arrow way ("stored as bytes") stood beside ATTACHED_NOTE ("every
    # value kept its storage class"): only the second is true of these rows.
    src = tmp_path / "m.db"
    con = sqlite3.connect(src)
    con.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, v)")
    con.executemany("INSERT INTO m VALUES (?, ?)", [(1, 1), (2, b"\x00")])
    con.commit()
    con.close()
    report = migrate(str(src), str(tmp_path / "copy.db"))
    assert report.ok
    notes = report.tables[0].notes
    assert ATTACHED_NOTE in notes
    assert not [n for n in notes if "stored as bytes" in n], notes
    assert stored(tmp_path / "copy.db", "m") == [
        (1, "integer", "1", "integer", "1"),
        (2, "integer", "2", "blob", "X'00'"),
    ]
