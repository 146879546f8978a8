"""Which texts are a number's own spelling, for text that goes into an exact-number column
(PostgreSQL numeric, DuckDB DECIMAL, HUGEINT, UHUGEINT): migrate refuses any other (its row is
a bad value) and verify compares any other as itself.

Such a column stores the number a text spells: '00012', '+5', ' 7' and '-0' arrive as 12, 5, 7
and 0, the way a SQLite INTEGER column's affinity stores '0012' as 12, and a text with more
decimal places than the column keeps is rounded ('12.5' into HUGEINT is 13).
"""

from __future__ import annotations

import decimal

import pyarrow as pa
import pyarrow.compute as pc

PLAIN_NUMBER = r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?"
"""A number as its own text: no '+', no leading zero, no space, a digit on each side of a
point. Trailing zeros of a fraction are a matter of the column's scale, not another number
('3.5' into numeric(10,2) is 3.50, as 1.5 = 1.50 in verify), and an exponent is the number
written out ('1e3' is 1000, as verify reads it)."""

NON_FINITE = r"[+-]?([nN][aA][nN]|[iI][nN][fF]([iI][nN][iI][tT][yY])?)"
"""NaN and ±Infinity, in the spellings every reader here takes alike (``normalise``)."""

NEGATIVE_ZERO = r"-0(\.0+)?([eE][+-]?[0-9]+)?"
"""A zero with a sign no exact number keeps: '-0' is stored as 0."""

_READ_AS_NUMBER = r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"
"""What PostgreSQL's and DuckDB's number input read as a finite number: a text that is none
('banana') is refused by the column's own screening, not here."""

_SHOWN_EXPONENT = 40
"""A number whose exponent is past this is named by its text, not written out."""


def misspelled(texts: pa.Array, scale: int | None) -> list[tuple[int, str]]:
    """The rows of ``texts`` bound for an exact-number column that would arrive as another
    value, each with what the column would store: a number spelled otherwise than its own
    text ('00012' as 12), or, with ``scale`` (the column's decimal places, where its type
    rounds the text itself), one with more non-zero places ('12.5' into HUGEINT as 13)."""
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        return []
    numbers = pc.match_substring_regex(texts, _READ_AS_NUMBER)
    spelled = pc.fill_null(spelled_as_number(texts), False)
    suspect = pc.invert(spelled)
    if scale is not None:  # a fraction or an exponent may hold places the column rounds
        suspect = pc.or_(suspect, pc.match_substring_regex(texts, r"[.eE]"))
    rows = pc.indices_nonzero(pc.fill_null(pc.and_(numbers, suspect), False)).to_pylist()
    found = []
    for row in rows:
        value = decimal.Decimal(texts[row].as_py().strip())
        if abs(value.adjusted()) > _SHOWN_EXPONENT:
            continue  # past the column's range, which refuses it
        stored = value if scale is None else _rounded(value, scale)
        if not spelled[row].as_py() or stored != value:
            found.append((row, format(abs(stored) if stored.is_zero() else stored, "f")))
    return found


def spelled_as_number(texts: pa.Array) -> pa.Array:
    """Whether each text is a number's own spelling (``PLAIN_NUMBER``, not a negative zero)
    or NaN or an infinity."""
    return pc.and_not(
        pc.match_substring_regex(texts, f"^({PLAIN_NUMBER}|{NON_FINITE})$"),
        pc.match_substring_regex(texts, f"^{NEGATIVE_ZERO}$"),
    )


def _rounded(value: decimal.Decimal, scale: int) -> decimal.Decimal:
    """``value`` as a column of ``scale`` decimal places stores it (half away from zero, as
    PostgreSQL and DuckDB round)."""
    return value.quantize(decimal.Decimal(1).scaleb(-scale), decimal.ROUND_HALF_UP)
