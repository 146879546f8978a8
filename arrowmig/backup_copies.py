"""The backup ``--keep-backup`` keeps of a SQLite or DuckDB table that ``--mode replace``
replaces: the old table whole, its keys, indexes and defaults too, under names of its own,
so that renaming it back gives the table that was replaced."""

from __future__ import annotations

import re

from arrowmig.backups import index_on_backup
from arrowmig.endpoints.base import Endpoint

_OF_TABLE = "schema_name = ? AND table_name = ? AND database_name = current_database()"
_TABLE_HEAD = re.compile(
    r'^\s*CREATE\s+TABLE\s+(?:"(?:[^"]|"")*"|[^\s."(]+)(?:\.(?:"(?:[^"]|"")*"|[^\s."(]+))*',
    re.IGNORECASE,
)


def backup_indexes(dst: Endpoint, table: str, backup: str, tag: str) -> list[str]:
    """SQLite: the statements that build each index of ``table`` (made with CREATE INDEX) on
    ``backup`` (as SQL names it, renamed already) as ``<index>_bak_<tag>``, dropping the old.
    Its UNIQUE and key constraints went with it, renamed."""
    statements = []
    for index, sql in dst.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name = ? COLLATE NOCASE AND sql IS NOT NULL ORDER BY name",
        (table,),
    ):
        again = index_on_backup(str(sql), f"{index}_bak_{tag}", backup)
        if again is not None:
            statements += [f"DROP INDEX {dst.qualify(str(index))}", again]
    return statements


def backup_copy(dst: Endpoint, table: str, backup: str, tag: str) -> list[str]:
    """DuckDB: the statements that build ``backup`` as ``table`` was declared (keys, UNIQUE,
    CHECKs, defaults, a key's drawing from its sequence too: the new table's key takes a
    sequence of its own), copy its rows, build its indexes as ``<index>_bak_<tag>``, and drop
    it (DuckDB renames no table that has an index)."""
    schema = dst.schema
    ((declared,),) = dst.execute(
        f"SELECT sql FROM duckdb_tables() WHERE {_OF_TABLE}", (schema, table)
    )
    head = _TABLE_HEAD.match(str(declared))
    assert head is not None, declared  # DuckDB writes its own CREATE TABLE
    target, kept = dst.qualify(table), dst.qualify(backup)
    body = str(declared)[head.end() :].rstrip().rstrip(";")
    statements = [
        f"CREATE TABLE {kept}{body}",
        f"INSERT INTO {kept} SELECT * FROM {target}",
    ]
    for index, sql in dst.execute(
        f"SELECT index_name, sql FROM duckdb_indexes() WHERE {_OF_TABLE} AND sql IS NOT NULL "
        "ORDER BY index_name",
        (schema, table),
    ):
        again = index_on_backup(str(sql), f"{index}_bak_{tag}", kept)
        if again is not None:
            statements.append(again)
    return [*statements, f"DROP TABLE {target}"]
