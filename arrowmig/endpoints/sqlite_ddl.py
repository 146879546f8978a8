"""What only a SQLite table's CREATE TABLE text says: its CHECK constraints, and which of its
foreign keys are deferrable (no pragma reports either)."""

from __future__ import annotations

import re

_STRING_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.DOTALL)
_IDENTIFIER = r'"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[^\s(),]+'
_QUOTED_NAME = re.compile(r'"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]')
_CHECK = re.compile(r"\bCHECK\s*\(", re.IGNORECASE)
_REFERENCES = re.compile(
    rf"\bREFERENCES\s+(?P<table>{_IDENTIFIER})\s*(?:\([^)]*\))?"
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
