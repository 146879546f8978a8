"""What only a SQLite table's CREATE TABLE text says: its CHECK constraints, its foreign keys'
names and which are deferrable, and its columns' collations (no pragma reports any of them).

Strings and comments are set aside first, so a default or a comment that says CHECK or
REFERENCES does not count; quoted names are read as names."""

from __future__ import annotations

import re

from arrowmig.endpoints.common import split_top_level

_STRING_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.DOTALL)
_IDENTIFIER = r'"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[^\s(),]+'
_QUOTED_NAME = re.compile(r'"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]')
_CHECK = re.compile(r"\bCHECK\s*\(", re.IGNORECASE)
_REFERENCES = re.compile(
    rf"\bREFERENCES\s+(?P<table>{_IDENTIFIER})(?:\s*\([^)]*\))?"
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


def deferrability(create_sql: str) -> dict[str, str]:
    """Per referenced table (its name folded to lower case), how the foreign keys to it are
    deferred: ``DEFERRED``, ``DEFERRABLE`` or "" (not deferrable). A table referenced with two
    different timings is left out: which key is which cannot be told from the text."""
    found: dict[str, set[str]] = {}
    for match in _REFERENCES.finditer(_STRING_OR_COMMENT.sub(" ", create_sql)):
        words = " ".join((match.group("deferrable") or "").upper().split())
        timing = "" if not words or words.startswith("NOT") else words
        timing = DEFERRED if timing.endswith("DEFERRED") else (DEFERRABLE if timing else "")
        found.setdefault(_unquoted(match.group("table")).lower(), set()).add(timing)
    return {table: timings.pop() for table, timings in found.items() if len(timings) == 1}


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


_NAMED_TABLE_KEY = re.compile(
    rf"^\s*CONSTRAINT\s+(?P<name>{_IDENTIFIER})\s+FOREIGN\s+KEY\s*\((?P<columns>[^)]*)\)",
    re.IGNORECASE,
)
_NAMED_COLUMN_KEY = re.compile(
    rf"\bCONSTRAINT\s+(?P<name>{_IDENTIFIER})\s+REFERENCES\b", re.IGNORECASE
)


def foreign_key_names(create_sql: str) -> dict[tuple[str, ...], str]:
    """The names given to foreign keys (``CONSTRAINT fk_rails_… FOREIGN KEY (user_id) ...`` or
    ``user_id integer CONSTRAINT fk REFERENCES ...``), by their columns folded to lower case."""
    code = _STRING_OR_COMMENT.sub(" ", create_sql)
    start = code.find("(")
    found: dict[tuple[str, ...], str] = {}
    for part in split_top_level(code[start + 1 : code.rfind(")")] if start >= 0 else ""):
        table_key = _NAMED_TABLE_KEY.match(part)
        if table_key:
            columns = tuple(
                _unquoted(c.strip()).lower() for c in table_key.group("columns").split(",")
            )
            found[columns] = _unquoted(table_key.group("name"))
            continue
        column_key = _NAMED_COLUMN_KEY.search(part)
        column = re.match(rf"\s*({_IDENTIFIER})", part)
        if column_key and column and not _TABLE_CONSTRAINT.match(part.strip()):
            found[(_unquoted(column.group(1)).lower(),)] = _unquoted(column_key.group("name"))
    return found
