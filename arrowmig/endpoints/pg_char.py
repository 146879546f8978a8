"""Text bound for an existing PostgreSQL ``"char"`` column, which holds one byte.

The server's cast from text keeps the first byte and drops the rest without a word ('ab'
became 'a', 'é' the lone byte \\303, half its UTF-8). It takes exactly: one byte, the empty
text (the zero byte), and ``\\ooo``, the form PostgreSQL itself writes a high-bit byte in.
Any other value is named before it is written, like any other the target cannot hold.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.model import Column

CHAR = '"char"'

REASON = 'not a single byte, which the target column\'s "char" keeps only the first byte of'

_HIGH_BIT_BYTE = r"^\\[23][0-7][0-7]$"
"""\\200 to \\377: how "char"'s output function writes a byte of 128 or more, which its cast
from text takes back (a lower byte it writes as itself: '\\101' would arrive as 'A')."""


def screens(source: Column, there: Column) -> bool:
    """Whether the values of ``source`` bound for the existing column ``there`` are looked
    at: a column of "char" takes them through that cast, unless the source is "char" too,
    whose values are each one byte's text already."""
    return there.pg_type == CHAR and source.pg_type != CHAR


def not_one_byte(array: pa.Array) -> pa.Array:
    """Per row of a text array, whether the value is none a "char" takes whole (nulls false)."""
    length = pc.binary_length(array)
    taken = pc.or_(pc.less_equal(length, 1), pc.match_substring_regex(array, _HIGH_BIT_BYTE))
    return pc.fill_null(pc.invert(taken), False)
