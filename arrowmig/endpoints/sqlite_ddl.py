"""What only a SQLite table's CREATE TABLE text says: its CHECK constraints, its foreign keys'
names and which are deferrable, and its columns' collations (no pragma reports any of them).

Strings and comments are set aside first, so a default or a comment that says CHECK or
REFERENCES does not count; quoted names are read as names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from arrowmig.endpoints.common import split_top_level

_STRING_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.DOTALL)
_IDENTIFIER = r'"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[^\s(),]+'
_QUOTED_NAME = re.compile(r'"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]')
_TABLE_KEY = re.compile(
    rf"^\s*(?:CONSTRAINT\s+(?P<name>{_IDENTIFIER})\s+)?FOREIGN\s+KEY\s*\((?P<columns>[^)]*)\)",
    re.IGNORECASE,
)
_CHECK = re.compile(r"\bCHECK\s*\(", re.IGNORECASE)
_REFERENCES = re.compile(
    rf"(?:\bCONSTRAINT\s+(?P<name>{_IDENTIFIER})\s+)?\bREFERENCES\s+(?P<table>{_IDENTIFIER})(?:\s*\([^)]*\))?"
    r"(?P<clauses>(?:\s+(?:ON\s+(?:DELETE|UPDATE)\s+(?:SET\s+NULL|SET\s+DEFAULT|CASCADE|"
    r"RESTRICT|NO\s+ACTION)|MATCH\s+\w+))*)"
    r"(?P<deferrable>\s+(?:NOT\s+)?DEFERRABLE(?:\s+INITIALLY\s+(?:DEFERRED|IMMEDIATE))?)?",
    re.IGNORECASE,
)

DEFERRED = "DEFERRABLE INITIALLY DEFERRED"
DEFERRABLE = "DEFERRABLE INITIALLY IMMEDIATE"


def count_checks(create_sql: str) -> int:
    """How many CHECK constraints a CREATE TABLE statement holds (names, strings and comments
    that say CHECK do not count)."""
    code = _QUOTED_NAME.sub(" ", _STRING_OR_COMMENT.sub(" ", create_sql))
    return len(_CHECK.findall(code))


def deferrability(create_sql: str) -> dict[tuple[tuple[str, ...], str], str]:
    """Per foreign key, by its columns and the table it references (all folded to lower
    case), how it is deferred: ``DEFERRED``, ``DEFERRABLE`` or "" (not deferrable). Two keys
    on the same columns to the same table that differ in timing are left out: which key is
    which cannot be told from the text."""
    found: dict[tuple[tuple[str, ...], str], set[str]] = {}
    for clause in _foreign_key_clauses(create_sql):
        found.setdefault((clause.columns, clause.parent), set()).add(clause.timing)
    return {key: timings.pop() for key, timings in found.items() if len(timings) == 1}


def foreign_key_names(create_sql: str) -> dict[tuple[str, ...], str]:
    """The names given to foreign keys (``CONSTRAINT fk_rails_… FOREIGN KEY (user_id) ...`` or
    ``user_id integer CONSTRAINT fk REFERENCES ...``), by their columns folded to lower case."""
    return {c.columns: c.name for c in _foreign_key_clauses(create_sql) if c.name is not None}


@dataclass(frozen=True)
class _KeyClause:
    """One foreign key as its CREATE TABLE text declares it."""

    columns: tuple[str, ...]
    """The referencing columns, folded to lower case."""
    parent: str
    """The referenced table, folded to lower case."""
    name: str | None
    """Its CONSTRAINT name, if it was given one."""
    timing: str
    """``DEFERRED``, ``DEFERRABLE`` or "" (not deferrable)."""


def _foreign_key_clauses(create_sql: str) -> list[_KeyClause]:
    """Each foreign key of a CREATE TABLE statement, column constraints (``a int REFERENCES
    p``) and table constraints (``FOREIGN KEY (a, b) REFERENCES p``) alike."""
    code = _STRING_OR_COMMENT.sub(" ", create_sql)
    start = code.find("(")
    found: list[_KeyClause] = []
    for part in split_top_level(code[start + 1 : code.rfind(")")] if start >= 0 else ""):
        table_key = _TABLE_KEY.match(part)
        if table_key:
            columns = tuple(
                _unquoted(c.strip()).lower() for c in table_key.group("columns").split(",")
            )
            reference = _REFERENCES.search(part, table_key.end())
            if reference:
                found.append(_clause(columns, reference, table_key.group("name")))
            continue
        column = re.match(rf"\s*({_IDENTIFIER})", part)
        if column is None or _TABLE_CONSTRAINT.match(part.strip()):
            continue
        # SQLite takes more than one REFERENCES on a column: each is a key of its own.
        for reference in _REFERENCES.finditer(part, column.end()):
            found.append(_clause((_unquoted(column.group(1)).lower(),), reference, None))
    return found


def _clause(columns: tuple[str, ...], reference: re.Match[str], name: str | None) -> _KeyClause:
    words = " ".join((reference.group("deferrable") or "").upper().split())
    timing = "" if not words or words.startswith("NOT") else words
    timing = DEFERRED if timing.endswith("DEFERRED") else (DEFERRABLE if timing else "")
    name = name if name is not None else reference.group("name")
    return _KeyClause(
        columns,
        _unquoted(reference.group("table")).lower(),
        _unquoted(name) if name is not None else None,
        timing,
    )


def _unquoted(name: str) -> str:
    if name[:1] in ('"', "`", "[") and len(name) >= 2:
        inner = name[1:-1]
        return inner.replace('""', '"') if name[0] == '"' else inner
    return name


_COLLATE = re.compile(r'\bCOLLATE\s+("(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|\w+)', re.IGNORECASE)
_TABLE_CONSTRAINT = re.compile(r"(?:CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN)\b", re.IGNORECASE)


def column_collations(create_sql: str) -> dict[str, str]:
    """Each column (its name folded to lower case) declared with a collation other than
    SQLite's default BINARY, and that collation in upper case (NOCASE, RTRIM, ...)."""
    code = _STRING_OR_COMMENT.sub(" ", create_sql)
    start = code.find("(")
    found: dict[str, str] = {}
    for part in split_top_level(code[start + 1 : code.rfind(")")] if start >= 0 else ""):
        name = re.match(rf"\s*({_IDENTIFIER})", part)
        if name is None or _TABLE_CONSTRAINT.match(part.strip()):
            continue
        collation = _COLLATE.search(part[name.end() :])
        if collation and _unquoted(collation.group(1)).upper() != "BINARY":
            found[_unquoted(name.group(1)).lower()] = _unquoted(collation.group(1)).upper()
    return found
