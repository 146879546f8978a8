"""Text an existing column's type takes but changes without a word, found value by value:
a PostgreSQL name cut to 63 bytes, an amount money rounds to its locale's fraction digits, a
time's UTC offset or zone that a time without one drops (PostgreSQL's and DuckDB's alike).

Each is named before it is written, like any other value the target cannot hold exactly.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.model import Column

NAME = "name"
NAME_BYTES = 63
"""What a PostgreSQL name holds (NAMEDATALEN - 1): the server cuts a longer text there."""
NAME_REASON = f"text longer than the target column's name holds ({NAME_BYTES} bytes)"

MONEY = "money"
NAME_HINT = (
    "fix the value in the source, make the target column text, or use --on-error reject to set "
    "such rows aside"
)
MONEY_HINT = (
    "round the amount in the source, make the target column numeric, or use --on-error reject "
    "to set such rows aside"
)
ZONE_REASON = "it holds a UTC offset or time zone, which the time would drop"

_ZONE_OR_OFFSET = r"\d\s*[+-]\s*\d|\d\s*[A-Za-z]"
"""A sign after a digit ('12:34:56+02', '12:34:56.5-8') or a letter after one ('12:34:56 PST',
'...Z'), once AM and PM are taken out (``_MERIDIEM``). Text with no time in it ('banana') is
``pg_input_text``'s to name as unreadable."""
_MERIDIEM = r"(?i)[ap]\.?m\.?\s*$"
_ZERO_OFFSET = r"(?i)(?:\d\s*(?:z|utc|gmt|[+-]0+(?::?0+)?))\s*$"
"""An offset of zero ('Z', '+00', '+00:00', 'UTC'): dropping it keeps the clock reading."""
_WITH_ZONE = re.compile(r"timetz|with time zone", re.IGNORECASE)


def name_screens(source: Column, there: Column) -> bool:
    """Whether the values of ``source`` bound for the existing column ``there`` are held to a
    name's length: the column is a name, and the source's values are not names already."""
    return there.pg_type == NAME and source.pg_type != NAME


def longer_than_a_name(texts: pa.Array) -> pa.Array:
    """Per text, whether it holds more bytes than a name keeps (nulls false)."""
    return pc.fill_null(pc.greater(pc.binary_length(texts), NAME_BYTES), False)


def money_reason(digits: int) -> str:
    return (
        f"an amount with more decimals than the target column's money keeps ({digits}), "
        "which it would round"
    )


def more_decimals_than(texts: pa.Array, digits: int) -> pa.Array:
    """Per amount as text, whether a digit other than 0 follows its first ``digits`` decimals:
    money's input rounds there ('1.005' is $1.01); '1.250' keeps its amount (nulls false)."""
    return pc.fill_null(pc.match_substring_regex(texts, rf"\.\d{{{digits}}}\d*[1-9]"), False)


def keeps_zone(type_sql: str) -> bool:
    """Whether the time type keeps an offset (timetz, time with time zone, DuckDB's TIMETZ)."""
    return _WITH_ZONE.search(type_sql) is not None


def zone_in_time(texts: pa.Array) -> pa.Array:
    """Per time text, whether it holds an offset or zone other than UTC's, which a time
    without time zone drops unsaid ('12:34:56+02' arrives as 12:34:56; nulls false)."""
    words_out = pc.replace_substring_regex(texts, _MERIDIEM, "")
    zoned = pc.match_substring_regex(words_out, _ZONE_OR_OFFSET)
    utc = pc.match_substring_regex(texts, _ZERO_OFFSET)
    return pc.fill_null(pc.and_(zoned, pc.invert(utc)), False)
