"""Describing many PostgreSQL tables at once: each catalog statement ``describe`` runs about
one table runs once for all of them, its answers handed out table by table.

A statement about one table takes the table's oid as its only parameter, ``$1``. Run for
each oid of an array (``CROSS JOIN LATERAL``), the same statement answers for every table in
one round trip: describing 1,000 tables took some 16,000 round trips, each a few ms.
"""

from __future__ import annotations

from typing import Any

from arrowmig.endpoints.postgres_catalog import Query, names_json

_FOR_EACH_TABLE = (
    "SELECT described.table_oid, answer.* "
    "FROM unnest(string_to_array($1, ',')::oid[]) AS described(table_oid) "
    "CROSS JOIN LATERAL (SELECT row_number() OVER () AS nth, one.* FROM ({statement}) one) "
    "answer ORDER BY described.table_oid, answer.nth"
)
"""``statement`` (its ``$1`` made the table's oid) for each oid of ``$1``, its rows in the order
the statement gives them (``nth``) for each table."""


class ManyTables:
    """The tables ``names`` of ``schema``: each one's oid (one query for them all), and a
    ``Query`` per table whose statements about that table (``$1``: its oid, the only
    parameter) are answered from one run of the statement for all the tables."""

    def __init__(self, query: Query, schema: str, names: list[str]) -> None:
        self._query = query
        rows = query(
            "SELECT c.relname, c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND c.relkind IN ('r','p','v','m') "
            "AND c.relname IN (SELECT json_array_elements_text($2::json))",
            (schema, names_json(names)),
        )
        self._oids = {str(name): int(oid) for name, oid in rows}
        self._answers: dict[str, dict[int, list[tuple[Any, ...]]]] = {}

    def oid_of(self, name: str) -> int | None:
        """Table ``name``'s oid; None when the schema has no such table."""
        return self._oids.get(name)

    def about(self, oid: int) -> Query:
        """``query`` for describing table ``oid``: a statement whose only parameter is that
        oid is answered for every table at its first use; any other runs as it is."""

        def query(sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
            if params != (oid,):
                return self._query(sql, params)
            return self._rows(sql).get(oid, [])

        return query

    def _rows(self, statement: str) -> dict[int, list[tuple[Any, ...]]]:
        answers = self._answers.get(statement)
        if answers is None:
            answers = {oid: [] for oid in self._oids.values()}
            oids = ",".join(str(oid) for oid in sorted(answers))
            # "$1" is no other text in these statements: "$10" and up are never used.
            for_each = _FOR_EACH_TABLE.format(
                statement=statement.replace("$1", "described.table_oid")
            )
            for table_oid, _nth, *row in self._query(for_each, (oids,)):
                answers[int(table_oid)].append(tuple(row))
            self._answers[statement] = answers
        return answers
