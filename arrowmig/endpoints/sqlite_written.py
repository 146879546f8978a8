"""The one exact text form arrowmig writes dates, times, timestamps and uuids in, as SQLite
conditions: ``verify`` counts a SQLite target's texts in any other form.

A form is named ``date``, ``timestamp:UNIT``, ``timestamptz:UNIT``, ``time:UNIT`` or ``uuid``
(UNIT the Arrow unit of the values written: s, ms, us, ns).
"""

from __future__ import annotations

_D2, _D4 = "[0-9]" * 2, "[0-9]" * 4
_DATE = f"{_D4}-{_D2}-{_D2}"
_CLOCK = f"{_D2}:{_D2}:{_D2}"
_HEX = "[0-9a-f]"
_FRACTION_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}
_INFINITIES = "('infinity', '-infinity')"


def form_words(form: str) -> str:
    """The form as the report names it."""
    kind, _, unit = form.partition(":")
    if kind == "uuid":
        return "lower-case 8-4-4-4-12 hex"
    if kind == "date":
        return "YYYY-MM-DD"
    digits = _FRACTION_DIGITS[unit]
    if kind == "time":
        return "HH:MM:SS" + ("." + "f" * digits if digits else "")
    fraction = {"s": "", "ms": "[.ffffff]", "us": "[.ffffff]", "ns": "[.ffffff[fff]]"}[unit]
    return f"YYYY-MM-DD HH:MM:SS{fraction}" + ("+00:00" if kind == "timestamptz" else "")


def form_test(c: str, form: str) -> str:
    """A SQLite condition true where the text ``c`` is exactly in ``form``, as the SQLite
    writer renders it (``schema.to_wire``: ``temporal_text`` for dates and timestamps, in
    Python's form, ``+00:00`` for an instant; Arrow's text for times, every digit of the
    unit; a uuid's lower-case text). Years outside 1-9999 and ±infinity included."""
    kind, _, unit = form.partition(":")
    if kind == "uuid":
        return f"{c} GLOB '{_HEX * 8}-{_HEX * 4}-{_HEX * 4}-{_HEX * 4}-{_HEX * 12}'"
    if kind == "date":
        return f"({c} IN {_INFINITIES} OR {_date_test(c)})"
    digits = _FRACTION_DIGITS[unit]
    if kind == "time":
        return f"{c} GLOB '{_CLOCK}{'.' + '[0-9]' * digits if digits else ''}'"
    # Python's str(datetime): no fraction when it is zero, six digits, nine for nanoseconds.
    zone = "+00:00" if kind == "timestamptz" else ""
    space = f"instr({c}, ' ')"
    day, clock = f"substr({c}, 1, {space} - 1)", f"substr({c}, {space} + 1)"
    tails = [f"{clock} GLOB '{_CLOCK}{zone}'"]
    if unit != "s":
        six = f"{_CLOCK}.{'[0-9]' * 6}{zone}"
        tails.append(f"({clock} GLOB '{six}' AND {clock} NOT GLOB '*.000000{zone}')")
    if unit == "ns":
        nine = f"{_CLOCK}.{'[0-9]' * 9}{zone}"
        tails.append(f"({clock} GLOB '{nine}' AND {clock} NOT GLOB '*000{zone}')")
    return f"({c} IN {_INFINITIES} OR ({_date_test(day)} AND ({' OR '.join(tails)})))"


def _date_test(x: str) -> str:
    """'YYYY-MM-DD', or a year past 9999 or before 1 as ``temporal_text`` writes it (more
    digits, no leading zero; or '-' and at least four digits)."""
    year = f"substr({x}, 1, length({x}) - 6)"
    wide = (
        f"({x} GLOB '*[0-9]-{_D2}-{_D2}' AND ({year} GLOB '-{_D4}*' OR {year} GLOB '[1-9]{_D4}*') "
        f"AND ltrim({year}, '-') NOT GLOB '*[^0-9]*')"
    )
    return f"({x} GLOB '{_DATE}' OR {wide})"
