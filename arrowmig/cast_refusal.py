"""The refusal of a cast to a type the target does not take, in the caller's words, with the
casts arrowmig itself converts and the one a mistyped name was likely meant to be."""

from __future__ import annotations

import difflib
import re

from arrowmig.errors import UsageError
from arrowmig.schema import EPOCH_UNITS, INTERVAL_MICROSECONDS, UUID_CAST

OWN_CASTS = (*EPOCH_UNITS, INTERVAL_MICROSECONDS, UUID_CAST, "boolean", "date", "text")
"""The casts arrowmig converts itself, whatever the target calls its types."""

_UNQUOTED_CAPITAL = re.compile(r'^(?:[^"]|"(?:[^"]|"")*")*?[A-Z]')
"""A capital letter outside double quotes."""


def cast_refused(given: str, type_name: str, refusal: str, target: str, values: str) -> UsageError:
    """The refusal of cast ``given`` (as its caller wrote it) to ``type_name``, which the
    ``target`` database answered with ``refusal``; ``values``: the column's source type."""
    lowered = re.sub(r"\s+", " ", type_name.strip().lower())
    near = difflib.get_close_matches(lowered, OWN_CASTS, n=1, cutoff=0.75)
    unknown = (near and near[0] != lowered) or "does not exist" in refusal
    # The server's own words (DuckDB's "Catalog Error: Type with name X does not exist!")
    # say no more than this.
    said = f"{target} has no type {type_name!r}" if unknown else refusal
    if near and near[0] != lowered:
        said += f" (did you mean {near[0]}?)"
    elif unknown and target == "PostgreSQL" and _UNQUOTED_CAPITAL.search(type_name):
        said += (
            " (PostgreSQL reads an unquoted name in lower case: a type named with capitals "
            'is written in double quotes, "Mood")'
        )
    return UsageError(
        f"{given}: {said}",
        hint=f"cast to one of {', '.join(OWN_CASTS)}, or a type {target} has that its "
        f"{values} values convert to, or leave the cast out",
    )
