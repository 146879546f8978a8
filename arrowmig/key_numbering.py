"""Key sequences that step other than up by 1 (down, by 10, up to a limit and round again):
what a source's sequence says, the options a target's sequence takes to number the same way,
and where that sequence restarts, past the loaded keys in its own direction.
"""

from __future__ import annotations

from arrowmig.model import KeyNumbering

INTEGER_BOUNDS = {
    "SMALLINT": (-(2**15), 2**15 - 1),
    "INTEGER": (-(2**31), 2**31 - 1),
    "BIGINT": (-(2**63), 2**63 - 1),
}
"""The integer types a key sequence numbers, by their SQL names (PostgreSQL's sequences are
of one of them; DuckDB's are BIGINT)."""


def numbering_of(
    increment: int, minimum: int, maximum: int, cycle: bool, type_name: str = "BIGINT"
) -> KeyNumbering | None:
    """A source sequence's numbering, its bounds left out where they are the defaults of
    ``type_name`` (the sequence's type) for its direction; None for the default numbering."""
    low, high = INTEGER_BOUNDS.get(type_name.upper(), INTEGER_BOUNDS["BIGINT"])
    descending = increment < 0
    numbering = KeyNumbering(
        increment=int(increment),
        minimum=None if minimum == (low if descending else 1) else int(minimum),
        maximum=None if maximum == (-1 if descending else high) else int(maximum),
        cycle=bool(cycle),
    )
    return None if numbering == KeyNumbering(1) else numbering


def bounds(numbering: KeyNumbering | None, type_name: str) -> tuple[int, int] | None:
    """The least and largest values of a target sequence numbering a key of ``type_name``:
    the numbering's own where it has them, the defaults otherwise, within the type; None
    where that leaves none (a --cast to a type the source's bounds lie outside)."""
    low, high = INTEGER_BOUNDS[type_name.upper()]
    n = numbering or KeyNumbering(1)
    least = n.minimum if n.minimum is not None else (low if n.descending else 1)
    largest = n.maximum if n.maximum is not None else (-1 if n.descending else high)
    least, largest = max(least, low), min(largest, high)
    return (least, largest) if least < largest else None


def sequence_options(numbering: KeyNumbering | None, type_name: str) -> str | None:
    """The options (CREATE SEQUENCE's, an identity's: PostgreSQL and DuckDB share the words)
    that number a key of ``type_name`` as the source did: "" for the default numbering,
    None where the type cannot hold its bounds."""
    if numbering is None:
        return ""
    within = bounds(numbering, type_name)
    if within is None:
        return None
    least = None if numbering.minimum is None else within[0]
    largest = None if numbering.maximum is None else within[1]
    return _options(numbering, least, largest)


def described(numbering: KeyNumbering) -> str:
    """The source's numbering in its own words, for the plan (``INCREMENT BY -1 MAXVALUE -1``)."""
    return _options(numbering, numbering.minimum, numbering.maximum)


def _options(numbering: KeyNumbering, least: int | None, largest: int | None) -> str:
    words = [f"INCREMENT BY {numbering.increment}"]
    if least is not None:
        words.append(f"MINVALUE {least}")
    if largest is not None:
        words.append(f"MAXVALUE {largest}")
    if numbering.cycle:
        words.append("CYCLE")
    return " ".join(words)


def furthest(descending: bool, *marks: int | None) -> int | None:
    """The furthest of ``marks`` in a sequence's direction: the largest, the smallest for
    one that counts down; None when there is none."""
    known = [int(m) for m in marks if m is not None]
    if not known:
        return None
    return min(known) if descending else max(known)


def restart(numbering: KeyNumbering | None, within: tuple[int, int], mark: int) -> tuple[int, bool]:
    """Where a sequence of bounds ``within`` goes for its next value to follow ``mark`` (the
    furthest loaded key), as ``setval(value, called)`` takes it: at ``mark``, called; at its
    first value, not called, for a mark before it; at its last, called, for a mark at or past
    it (the next value then wraps round with CYCLE, or is refused, as the source's would be).
    PostgreSQL's side of the same rule is ``setval_arguments``."""
    least, largest = within
    value = min(max(mark, least), largest)
    descending = numbering is not None and numbering.descending
    return value, (mark <= largest if descending else mark >= least)


def next_value(
    numbering: KeyNumbering | None, within: tuple[int, int], value: int, called: bool
) -> int | None:
    """The value a sequence at (``value``, ``called``) hands out next; None when it is used up."""
    if not called:
        return value
    step = numbering.increment if numbering is not None else 1
    least, largest = within
    following = value + step
    if least <= following <= largest:
        return following
    if numbering is not None and numbering.cycle:
        return largest if numbering.descending else least
    return None


def setval_arguments(mark: str, sequence: str = "q") -> str:
    """PostgreSQL: ``restart``'s rule as setval()'s value and is_called, for a mark (SQL)
    and the target's own sequence, ``sequence`` being its ``pg_sequence`` row."""
    least, largest = f"{sequence}.seqmin", f"{sequence}.seqmax"
    return (
        f"LEAST(GREATEST({mark}, {least}), {largest}), "
        f"CASE WHEN {sequence}.seqincrement < 0 THEN {mark} <= {largest} ELSE {mark} >= {least} END"
    )
