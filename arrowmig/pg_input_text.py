"""Text that PostgreSQL's input function of a type could never read ('banana' as a uuid), found
by a broad grammar per type, vectorised: named before --mode truncate empties a table.

Each grammar is broad by design: a text it lets by is still the server's to read (and to
refuse, as it goes), one it stops would stop a truncate after the table was emptied. So each
errs towards letting by (tests hold every form the server reads to it): whitespace around any
value, a uuid's braces unmatched, a MAC address as any run of hex digits and separators, a
JSON text judged by its first and last characters alone.
Interval text has its own (``interval_text``), which also finds parts finer than a microsecond.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

_SPACE = r"[\s\x0b]*"
"""What C's isspace() skips around a value (RE2's \\s lacks the vertical tab)."""
_HEX = "[0-9a-fA-F]"

_UUID = rf"\{{?{_HEX}{{4}}(?:-?{_HEX}{{4}}){{7}}\}}?"
"""32 hex digits, a hyphen allowed after any group of four, in optional braces."""
_IP = (
    r"(?:0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]+){0,3}"  # IPv4, abbreviated for cidr ('10.1/16')
    r"|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)"  # IPv6, an IPv4 at its end ('::ffff:1.2.3.4')
    r"(?:/[0-9]+)?"
)
_MAC = r"[0-9a-fA-FxX:.+\s-]*[0-9a-fA-F][0-9a-fA-FxX:.+\s-]*"
"""macaddr's six forms ('08:00:2b:01:02:03', '08002b-010203', '0800.2b01.0203', ...) and
macaddr8's: hex digits and the separators between them (sscanf's %x takes '0x', a sign and
spaces before each number: '08: 00:2b:01:02:03' is one)."""
_NUMERIC = (
    r"[+-]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?"
    r"|[+-]?0[xXoObB][0-9a-fA-F_]+"  # PostgreSQL 16's other bases, and its underscores
    r"|(?i:nan|[+-]?inf(?:inity)?)"
)
_TIME = r"(?i:allballs|now|today|tomorrow|yesterday)|\D*\d.*"
"""A time of day ('04:05', '040506', '04:05:06.789-8', '4:05 PM', '04:05:06 PST', a date and
time whose date the server drops) holds a digit, but for the server's special words: 'banana',
'N/A' and '' hold none."""
_JSON_STARTS = rf"^{_SPACE}(?:[{{\[\"]|-?[0-9]|true|false|null)"
_JSON_ENDS = rf"(?:[}}\]\"0-9.]|true|false|null){_SPACE}$"
"""A JSON value's first and last characters only: a document's insides are the server's to
read (no regular expression matches nested brackets, and one that looked inside would read
every document through), but a text that is no JSON at all ('banana', 'N/A', '') is seen.
Each of the two is a short look (an end-anchored one runs backwards from the end)."""


def _whole(grammar: str) -> tuple[str, ...]:
    return (rf"^{_SPACE}(?:{grammar}){_SPACE}$",)


_GRAMMARS = {
    "uuid": _whole(_UUID),
    "inet": _whole(_IP),
    "cidr": _whole(_IP),
    "macaddr": _whole(_MAC),
    "macaddr8": _whole(_MAC),
    "numeric": _whole(_NUMERIC),  # also a money column's, which the server reads as numeric
    "time": _whole(_TIME),
    "timetz": _whole(_TIME),
    "json": (_JSON_STARTS, _JSON_ENDS),
    "jsonb": (_JSON_STARTS, _JSON_ENDS),
}
"""Per type, the patterns every text the server reads matches."""


_TIME_TYPE = re.compile(r"time(tz)?(\(\d+\))?( with(out)? time zone)?")
"""A time column's type however declared ('time(3) without time zone', 'timetz')."""


def _grammar_name(type_sql: str) -> str:
    lowered = " ".join(type_sql.lower().split())
    found = _TIME_TYPE.fullmatch(lowered)
    if found is None:
        return lowered
    return "timetz" if found.group(1) or found.group(3) == " with time zone" else "time"


def screens(type_sql: str) -> bool:
    """Whether text the server converts to ``type_sql`` (as ``ddl_type`` declares it) is
    looked at here: an unbounded numeric, not numeric(p,s), whose values the client converts."""
    return _grammar_name(type_sql) in _GRAMMARS


def unreadable_texts(type_sql: str, texts: pa.Array) -> pa.Array:
    """Per text, whether it is none the server could read as a ``type_sql`` ('banana', '');
    NULL stays NULL."""
    patterns = iter(_GRAMMARS[_grammar_name(type_sql)])
    read = pc.match_substring_regex(texts, next(patterns))
    for pattern in patterns:
        read = pc.and_(read, pc.match_substring_regex(texts, pattern))
    return pc.invert(read)
