"""Human byte sizes ("64MiB", "1.5GB", "4096") parsed to integers and shown back; counts
shown with their noun ("1 row", "2,000 rows")."""

from __future__ import annotations

import re

from arrowmig.errors import UsageError

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str | int) -> int:
    """Return ``text`` ("64MiB", "512MB", "1048576") as a number of bytes."""
    if isinstance(text, int):
        return text
    match = _SIZE.match(text)
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise UsageError(
            f"cannot read {text!r} as a size",
            hint="write a number with an optional unit, e.g. 64MiB, 512MB or 1048576",
        )
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(n_bytes: float) -> str:
    """Render a byte count with a binary unit, e.g. ``12.3 MiB``."""
    value = float(n_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def counted(n: int, noun: str) -> str:
    """``n`` things, the noun in the singular for one: "1 row", "0 rows", "2,000 rows"."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
