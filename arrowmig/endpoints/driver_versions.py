"""The oldest driver versions arrowmig works with, checked as an endpoint opens: an older driver
is refused in one line (exit 2) before it writes a wrong value or fails with its own message.

pip does not stop an older driver installed after arrowmig (``pip install
adbc-driver-postgresql==1.8.0`` only warns), so the bounds in pyproject.toml alone do not hold.
"""

from __future__ import annotations

import functools
import re

from arrowmig.errors import ConnectError

OLDEST: dict[str, tuple[int, ...]] = {
    "adbc-driver-manager": (1, 13),
    "adbc-driver-sqlite": (1, 13),
    "adbc-driver-postgresql": (1, 13),
    "duckdb": (2, 0),
}
"""The versions the test suite passes with; pyproject.toml's lower bounds say the same (a test
holds them together)."""

_DEFECTS: tuple[tuple[str, tuple[int, ...], str], ...] = (
    # (distribution, the first version without it, what it does), oldest fix first. Each was
    # seen by running the driver against PostgreSQL 15.
    (
        "adbc-driver-postgresql",
        (1, 11),
        "it binds no NULL parameter and writes decimals wrongly (12.00 into numeric(6,2) "
        "arrives as 1200.00)",
    ),
    (
        "adbc-driver-postgresql",
        (1, 12),
        "it writes decimals wrongly (10000.50 into numeric(8,2) arrives as 15000.00)",
    ),
)

_LOADS: dict[str, tuple[str, ...]] = {
    "sqlite": ("adbc-driver-sqlite", "adbc-driver-manager"),
    "postgresql": ("adbc-driver-postgresql", "adbc-driver-manager"),
    "duckdb": ("duckdb",),
}
"""The distributions an endpoint of each kind loads, its own driver first."""


def _numbers(version: str) -> tuple[int, ...]:
    # "1.13.0", "1.13.0rc1", "2.0.1.dev3": the leading release numbers are what is compared.
    match = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(part) for part in match.group().split(".")) if match else ()


def _dotted(numbers: tuple[int, ...]) -> str:
    return ".".join(map(str, numbers))


def too_old(distribution: str, version: str) -> str | None:
    """Why ``version`` of ``distribution`` cannot serve arrowmig, or None when it can."""
    oldest = OLDEST.get(distribution)
    have = _numbers(version)
    if oldest is None or not have or have >= oldest:
        return None
    for name, fixed_in, defect in _DEFECTS:
        if name == distribution and have < fixed_in:
            return f"{distribution} {version} is too old for arrowmig: {defect}"
    return (
        f"{distribution} {version} is too old for arrowmig, which is tested with "
        f"{_dotted(oldest)} and later"
    )


@functools.cache
def _installed_too_old(distribution: str) -> str | None:
    # importlib.metadata reads the installed package's metadata without importing it; the
    # driver's own import (its dbapi loads pyarrow.dataset) comes after this check.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return too_old(distribution, version(distribution))
    except PackageNotFoundError:
        return None  # not installed: importing it says so


def require_drivers(kind: str) -> None:
    """Refuse (ConnectError, exit 2) when a driver an endpoint of ``kind`` loads is older
    than arrowmig works with, naming the first one and the pip command for all of them."""
    refused = [(dist, why) for dist in _LOADS[kind] if (why := _installed_too_old(dist))]
    if refused:
        wanted = " ".join(f"'{dist}>={_dotted(OLDEST[dist])}'" for dist, _ in refused)
        raise ConnectError(refused[0][1], hint=f"pip install -U {wanted}")
