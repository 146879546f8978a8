"""PostgreSQL databases whose encoding is not UTF8. Every arrowmig session speaks UTF-8, so the
server converts a LATIN1 database's text both ways; a character the target database's
encoding lacks is refused with its row named; a SQL_ASCII database (no encoding) has its bytes
read as they are, and checked as UTF-8 value by value.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.cli import main
from arrowmig.config import MigrationConfig
from arrowmig.direct_copy import DIRECT_NOTE
from arrowmig.errors import SchemaError, UsageError
from tests.dbutil import duckdb_rows, pg_rows, sqlite_rows

pytestmark = pytest.mark.postgres

TEXTS = [(1, "café"), (2, "Ã©tude"), (3, "plain"), (4, "naïve ½ ÿ")]
"""Text every LATIN1 database can hold. 'Ã©tude' in LATIN1 is the bytes of 'étude' in UTF-8:
taken as UTF-8, it arrived as 'étude', one character short, and nothing failed."""


def _sqlite(path: Path, rows: list[tuple[int, str]]) -> str:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    con.commit()
    con.close()
    return str(path)


def _load(url: str, *statements: str) -> None:
    """Run ``statements`` as a UTF-8 client (the server converts into the database's encoding)."""
    with psycopg.connect(url, autocommit=True, client_encoding="utf8") as con:
        for sql in statements:
            con.execute(sql)


def _load_texts(url: str, rows: list[tuple[int, str]]) -> None:
    with psycopg.connect(url, autocommit=True, client_encoding="utf8") as con:
        con.execute("CREATE TABLE t (id int PRIMARY KEY, s text)")
        con.cursor().executemany("INSERT INTO t VALUES (%s, %s)", rows)


def _stored(url: str, encoding: str) -> list[bytes]:
    """The bytes the database holds for t.s, in its own encoding, row by row."""
    with psycopg.connect(url) as con:
        rows = con.execute(f"SELECT convert_to(s, '{encoding}') FROM t ORDER BY id").fetchall()
    return [bytes(r[0]) for r in rows]


def _plan_notes(
    capsys: pytest.CaptureFixture[str], source: str, target: str, *options: str
) -> list[str]:
    capsys.readouterr()
    assert main(["plan", source, target, "--json", *options]) == 0
    notes: list[str] = json.loads(capsys.readouterr().out)["notes"]
    return notes


def test_text_into_a_latin1_database_is_stored_in_latin1(
    latin1_pg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _sqlite(tmp_path / "s.db", TEXTS)
    notes = _plan_notes(capsys, source, latin1_pg)
    assert any("the target database's encoding is LATIN1" in n for n in notes)
    report = migrate(source, latin1_pg)
    assert report.ok, [t.error for t in report.tables]
    # UTF-8 written in the database's own encoding was stored as its bytes: 'cafÃ©'.
    assert _stored(latin1_pg, "LATIN1") == [s.encode("latin-1") for _, s in TEXTS]
    assert pg_rows(latin1_pg, "t", "id") == TEXTS
    assert verify(source, latin1_pg, level="diff").ok


def test_text_from_a_latin1_database_arrives_as_the_same_characters(
    latin1_pg: str, second_pg: str, tmp_path: Path
) -> None:
    _load_texts(latin1_pg, TEXTS)
    into_sqlite, into_duckdb = str(tmp_path / "t.db"), str(tmp_path / "t.duckdb")
    for target in (into_sqlite, into_duckdb, second_pg):
        report = migrate(latin1_pg, target)
        assert report.ok, [t.error for t in report.tables]
        assert verify(latin1_pg, target, level="diff").ok
    assert sqlite_rows(into_sqlite, "t", "id") == TEXTS
    assert duckdb_rows(into_duckdb, "t", "id") == TEXTS
    assert pg_rows(second_pg, "t", "id") == TEXTS
    # A UTF8 database holds every LATIN1 character: the rows pass undecoded, converted by
    # the servers.
    assert any(n.startswith(DIRECT_NOTE) for n in report.tables[0].notes)
    # verify names a difference in such text (it stopped on a UnicodeDecodeError).
    _load(second_pg, "UPDATE t SET s = 'cafe' WHERE id = 1")
    (table,) = verify(latin1_pg, second_pg, level="diff").tables
    assert table.result == "differ" and table.differing_keys == 1
    assert (table.diffs[0].source or {})["s"] == "café"


def test_a_character_the_target_databases_encoding_lacks_is_refused_with_its_row(
    latin1_pg: str, pg_url: str, tmp_path: Path
) -> None:
    rows = [(1, "café"), (2, "日本"), (3, "plain")]
    refused = (
        "table 't', column 's', id 2: the target database's encoding LATIN1 has no character "
        "'日' (U+65E5): '日本'"
    )
    source = _sqlite(tmp_path / "s.db", rows)
    (table,) = migrate(source, latin1_pg).tables
    assert table.status == "failed" and table.error is not None
    assert table.error.startswith(refused), table.error
    # From a UTF8 database too, where the rows would otherwise pass undecoded and fail whole.
    _load_texts(pg_url, rows)
    (table,) = migrate(pg_url, latin1_pg).tables
    assert table.status == "failed" and table.error is not None
    assert table.error.startswith(refused), table.error
    # --on-error reject sets the row aside; the others go in.
    rejects = tmp_path / "rejects"
    config = MigrationConfig(on_error="reject", reject_dir=str(rejects))
    report = migrate(pg_url, latin1_pg, config=config)
    assert report.tables[0].rejected == 1
    assert pg_rows(latin1_pg, "t", "id") == [(1, "café"), (3, "plain")]
    (line,) = (rejects / "t.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["row"] == [2, "日本"] and record["problems"][0]["column"] == "s"


def test_a_sql_ascii_databases_bytes_travel_as_they_are(
    sql_ascii_pg: str, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 'café' in UTF-8 bytes, and in LATIN1 bytes, which are not UTF-8.
    _load(
        sql_ascii_pg,
        "CREATE TABLE t (id int PRIMARY KEY, s text)",
        "INSERT INTO t VALUES (1, 'plain'), (2, E'caf\\xc3\\xa9'), (3, E'caf\\xe9')",
    )
    into_duckdb = str(tmp_path / "t.duckdb")
    notes = _plan_notes(capsys, sql_ascii_pg, into_duckdb)
    assert any("the source database's encoding is SQL_ASCII" in n for n in notes)
    # Read in UTF-8, the server refused to send the table, naming no row.
    for target in (into_duckdb, pg_url):
        (table,) = migrate(sql_ascii_pg, target).tables
        assert table.status == "failed" and table.error is not None
        assert table.error.startswith(
            "table 't', column 's', id 3: text is not valid UTF-8: b'caf\\xe9'"
        ), table.error
    # Kept as bytes with --cast, exactly.
    config = MigrationConfig(casts=(("t", "s", "bytea"),))
    assert migrate(sql_ascii_pg, into_duckdb, config=config).ok
    assert duckdb_rows(into_duckdb, "t", "id") == [
        (1, b"plain"),
        (2, "café".encode()),
        (3, b"caf\xe9"),
    ]
    assert verify(sql_ascii_pg, into_duckdb, level="diff").ok
    # With --on-error reject the other rows arrive, UTF-8 as what it spells.
    rejects = tmp_path / "rejects"
    config = MigrationConfig(on_error="reject", reject_dir=str(rejects), mode="replace")
    assert migrate(sql_ascii_pg, into_duckdb, config=config).tables[0].rejected == 1
    assert duckdb_rows(into_duckdb, "t", "id") == [(1, "plain"), (2, "café")]
    # verify names the missing row by its bytes (it stopped on a UnicodeDecodeError).
    (table,) = verify(sql_ascii_pg, into_duckdb, level="diff").tables
    assert table.result == "differ" and table.differing_keys == 1
    assert (table.diffs[0].source or {})["s"] == "\\x636166e9"  # bytes, as verify shows them


def test_between_two_sql_ascii_databases_the_bytes_pass_as_they_are(
    sql_ascii_pg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _load(
        sql_ascii_pg,
        "CREATE TABLE t (id int PRIMARY KEY, s text)",
        "INSERT INTO t VALUES (1, E'caf\\xc3\\xa9'), (2, E'caf\\xe9')",
        "CREATE SCHEMA copy",
    )
    config = MigrationConfig(target_schema="copy")
    report = migrate(sql_ascii_pg, sql_ascii_pg, config=config)
    assert report.ok, [t.error for t in report.tables]
    assert any(n.startswith(DIRECT_NOTE) for n in report.tables[0].notes)
    with psycopg.connect(sql_ascii_pg) as con:
        copied = con.execute("SELECT s::bytea FROM copy.t ORDER BY id").fetchall()
    assert [bytes(r[0]) for r in copied] == ["café".encode(), b"caf\xe9"]
    assert verify(sql_ascii_pg, sql_ascii_pg, target_schema="copy", level="diff").ok
    # From SQLite, text is stored as its UTF-8 bytes, as the plan says.
    source = _sqlite(tmp_path / "s.db", [(1, "日本")])
    notes = _plan_notes(capsys, source, sql_ascii_pg, "--target-schema", "from_sqlite")
    assert any("the target database's encoding is SQL_ASCII" in n for n in notes)
    config = MigrationConfig(target_schema="from_sqlite")
    assert migrate(source, sql_ascii_pg, config=config).ok
    with psycopg.connect(sql_ascii_pg) as con:
        (stored,) = con.execute("SELECT s::bytea FROM from_sqlite.t").fetchone() or (None,)
    assert stored == "日本".encode()
    assert verify(source, sql_ascii_pg, target_schema="from_sqlite", level="diff").ok


def test_a_name_the_target_databases_encoding_lacks_is_refused_before_anything_is_written(
    latin1_pg: str, tmp_path: Path
) -> None:
    source = str(tmp_path / "s.db")
    con = sqlite3.connect(source)
    con.execute('CREATE TABLE "año" (id INTEGER PRIMARY KEY, "名" TEXT)')
    con.commit()
    con.close()
    # It failed on the first catalog query that named it, as "unexpected DataError".
    with pytest.raises(SchemaError) as refused:
        migrate(source, latin1_pg)
    assert refused.value.message == (
        "name '名' in table 'año': the target database's encoding LATIN1 has no character "
        "'名' (U+540D)"
    )
    with psycopg.connect(latin1_pg) as pg:
        assert (
            pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
            == []
        )
    # A name LATIN1 holds is kept.
    con = sqlite3.connect(source)
    con.execute('ALTER TABLE "año" RENAME COLUMN "名" TO "réf"')
    con.commit()
    con.close()
    assert migrate(source, latin1_pg).ok
    with psycopg.connect(latin1_pg) as pg:
        assert pg.execute('SELECT "réf" FROM "año"').fetchall() == []


NAMES = ["café", "crème", "año", "plain"]
"""Table names past ASCII that LATIN1 holds: a run asks about all its tables at once (which
exist, their columns, their locks), their names in one JSON array."""


def _named_tables(path: Path) -> str:
    con = sqlite3.connect(path)
    for name in NAMES:
        con.execute(f'CREATE TABLE "{name}" (id INTEGER PRIMARY KEY, s TEXT)')
        con.execute(f'INSERT INTO "{name}" VALUES (1, ?)', (name,))
    con.commit()
    con.close()
    return str(path)


def test_names_past_ascii_into_a_sql_ascii_database_are_asked_about_together(
    sql_ascii_pg: str, tmp_path: Path
) -> None:
    # A SQL_ASCII database refuses a JSON \u escape past ASCII ('conversion between UTF8 and
    # SQL_ASCII is not supported'): the names travel as the characters they are.
    source = _named_tables(tmp_path / "s.db")
    assert migrate(source, sql_ascii_pg).ok
    replace = MigrationConfig(mode="replace")
    assert migrate(source, sql_ascii_pg, config=replace).ok  # found there, all at once
    with psycopg.connect(sql_ascii_pg, client_encoding="utf8") as pg:
        for name in NAMES:
            assert pg.execute(f'SELECT id, s FROM "{name}"').fetchall() == [(1, name)]


def test_a_run_holding_a_table_past_ascii_of_a_latin1_database_is_found_by_its_name(
    latin1_pg: str, tmp_path: Path
) -> None:
    # The run's advisory lock hashes the name as the server holds it, every table's in one
    # statement: sent as UTF-8 and converted, as every arrowmig session sends text, not
    # taken as LATIN1 bytes ('crÃ¨me'), which another run would not hash alike.
    source = _named_tables(tmp_path / "s.db")
    assert migrate(source, latin1_pg).ok
    with psycopg.connect(latin1_pg, autocommit=True, client_encoding="utf8") as other:
        other.execute(
            "SELECT pg_advisory_lock(x'61726D'::int, hashtext(current_database() || '/' || %s))",
            ("public.crème",),
        )
        with pytest.raises(
            UsageError, match=r"another arrowmig run is writing table 'public\.crème'"
        ):
            migrate(source, latin1_pg, config=MigrationConfig(mode="replace"))
