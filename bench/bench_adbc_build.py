"""What the installed ADBC drivers cost on their own, to compare two driver builds.

Run it with each Python whose drivers you compare (a venv per version):

    python bench/bench_adbc_build.py phase3.db postgresql://postgres@127.0.0.1:5432/postgres

Printed: the drivers' versions and how many times their code stores its first argument on
the stack (``mov %rdi,-0x..(%rbp)``, the mark of a build without optimisation; objdump must
be installed); the seconds and CPU seconds to read every table of the SQLite file as Arrow
batches; and the CPU seconds the client spends encoding one COPY of the largest table into a
throw-away PostgreSQL database (created and dropped), with the server's share beside it.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from importlib import metadata
from pathlib import Path

import adbc_driver_postgresql.dbapi as pg_dbapi
import adbc_driver_sqlite.dbapi as sqlite_dbapi
import psutil
import pyarrow as pa


def unoptimised_marks(package: str) -> str:
    module = __import__(package)
    libraries = list(Path(module.__file__).parent.glob("*.so"))
    if not libraries:
        return "no library found"
    try:
        dump = subprocess.run(
            ["objdump", "-d", "--no-show-raw-insn", str(libraries[0])],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"objdump failed: {exc}"
    return str(sum("mov    %rdi,-0x" in line for line in dump.splitlines()))


def read_all(path: str) -> tuple[float, float, int, str, pa.Table]:
    """Wall and CPU seconds to read every table; the largest table, kept for the COPY."""
    con = sqlite_dbapi.connect(path)
    cursor = con.cursor()
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
    )
    names = [r[0] for r in cursor.fetchall() if not r[0].startswith("_arrowmig")]
    started, cpu = time.perf_counter(), time.process_time()
    rows, largest = 0, ("", pa.table({}))
    for name in names:
        cursor.execute(f'SELECT * FROM "{name}"')
        table = cursor.fetch_arrow_table()
        rows += table.num_rows
        if table.num_rows > largest[1].num_rows:
            largest = (name, table)
    wall, spent = time.perf_counter() - started, time.process_time() - cpu
    cursor.close()
    con.close()
    return wall, spent, rows, largest[0], largest[1]


def copy_cost(server: str, name: str, table: pa.Table) -> tuple[float, float, float]:
    """Wall seconds, this process's CPU and the rest of the machine's, for one COPY."""
    database = f"bench_adbc_{uuid.uuid4().hex[:8]}"
    admin = pg_dbapi.connect(server, autocommit=True)
    admin.cursor().execute(f'CREATE DATABASE "{database}"')
    try:
        con = pg_dbapi.connect(server.rsplit("/", 1)[0] + "/" + database)
        cursor = con.cursor()
        cursor.adbc_ingest(name, table.slice(0, 0), mode="create")
        con.commit()
        before, cpu, started = psutil.cpu_times(), time.process_time(), time.perf_counter()
        cursor.adbc_ingest(name, table, mode="append")
        con.commit()
        wall, mine, after = (
            time.perf_counter() - started,
            time.process_time() - cpu,
            psutil.cpu_times(),
        )
        cursor.close()
        con.close()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
    total = (after.user + after.system) - (before.user + before.system)
    return wall, mine, total - mine


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, server = argv
    for package in ("adbc_driver_sqlite", "adbc_driver_postgresql"):
        version = metadata.version(package.replace("_", "-"))
        print(f"{package} {version}: {unoptimised_marks(package)} arguments kept on the stack")
    wall, spent, rows, name, table = read_all(source)
    print(f"read {rows:,} rows from SQLite: {wall:.2f} s, {spent:.2f} CPU-s")
    wall, mine, rest = copy_cost(server, name, table)
    print(
        f"COPY of {name} ({table.num_rows:,} rows): {wall:.2f} s, client {mine:.2f} CPU-s, "
        f"rest of the machine {rest:.2f} CPU-s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
