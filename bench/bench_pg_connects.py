"""What one command spends opening PostgreSQL connections: the ADBC driver databases it opens
(each loads the server's type catalog, arrow-adbc#1755) and the connections made from them,
counted and timed around the driver's own calls, with the command's exit code.

Usage: python bench/bench_pg_connects.py migrate SOURCE TARGET [options ...]
"""

from __future__ import annotations

import sys
import time
from typing import Any

import adbc_driver_manager
import adbc_driver_postgresql


def _timed(module: Any, name: str, spent: list[float]) -> None:
    """Count and time every call of ``module.name`` (looked up by its callers when called)."""
    original = getattr(module, name)

    def call(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    setattr(module, name, call)


def main(args: list[str]) -> int:
    from arrowmig.cli import main as arrowmig

    databases: list[float] = []
    connections: list[float] = []
    _timed(adbc_driver_postgresql, "connect", databases)
    _timed(adbc_driver_manager, "AdbcConnection", connections)  # of every driver
    code = arrowmig(args)
    print(
        f"exit {code}: {len(databases)} PostgreSQL driver databases opened in "
        f"{sum(databases):.2f} s; {len(connections)} ADBC connections in {sum(connections):.2f} s",
        file=sys.stderr,
    )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
